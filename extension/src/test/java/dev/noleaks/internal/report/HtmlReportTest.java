package dev.noleaks.internal.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The page's runs, copied in as bytes: what a script element may hold, in the order of names. */
class HtmlReportTest {

  @Test
  void runsAreCopiedInAsTheyAreInNameOrder(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve(SuiteRun.FILE_PREFIX + "b.json"), "{\"run\": 2}");
    Files.writeString(dir.resolve(SuiteRun.FILE_PREFIX + "a.json"), "{\"run\": \"\\u003c/b\"}");
    Files.writeString(dir.resolve("other.json"), "{\"run\": \"not a run of ours\"}");

    String page = Files.readString(HtmlReport.write(dir));

    assertThat(page)
        .contains("[\n{\"run\": \"\\u003c/b\"},\n{\"run\": 2}]")
        .doesNotContain("not a run of ours");
  }

  @Test
  void aFileNotWrittenByJsonCannotEndTheScript() {
    byte[] json = "{\"t\": \"</script>\"}".getBytes(StandardCharsets.UTF_8);

    assertThat(new String(HtmlReport.scriptSafe(json), StandardCharsets.UTF_8))
        .isEqualTo("{\"t\": \"<\\/script>\"}");
  }

  @Test
  void noRunsMakeAnEmptyList(@TempDir Path dir) throws IOException {
    assertThat(Files.readString(HtmlReport.write(dir))).contains("[]").doesNotContain("/*runs*/");
  }
}
