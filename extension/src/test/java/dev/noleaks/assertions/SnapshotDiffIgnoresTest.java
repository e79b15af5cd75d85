package dev.noleaks.assertions;

import static dev.noleaks.assertions.MemoryAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ignore patterns on a snapshot diff: a matching descriptor passes, others still fail. */
class SnapshotDiffIgnoresTest {

  @TempDir Path dir;

  @Test
  void anIgnoredDescriptorPassesAndAnyOtherFails() throws Exception {
    Path log = Files.writeString(dir.resolve("app.log"), "x");
    Snapshot before = Snapshot.take();
    try (FileInputStream in = new FileInputStream(log.toFile())) {
      SnapshotDiff diff = before.diff(Snapshot.take());
      assertThat(diff).ignoringDescriptors(".*/app\\.log").hasNoLeakedDescriptors();
      assertThatThrownBy(() -> assertThat(diff).hasNoLeakedDescriptors())
          .hasMessageContaining("1 file descriptor leaked: " + log.toRealPath() + " (file)");
      assertThatThrownBy(
              () -> assertThat(diff).ignoringDescriptors(".*/other\\.log").hasNoLeakedDescriptors())
          .hasMessageContaining("app.log");
    }
  }

  @Test
  void aBadPatternNamesTheMethodAndTheForm() {
    Snapshot s = Snapshot.now();
    assertThatThrownBy(() -> assertThat(s.diff(s)).ignoringThreads("pool-("))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "ignoringThreads: \"pool-(\" is not valid; expected a Java regular expression");
  }
}
