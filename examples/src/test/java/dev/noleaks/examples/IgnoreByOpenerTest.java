package dev.noleaks.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * A descriptor ignored by where it was opened, which the NoLeaks agent records (this module's tests
 * run with it): {@code noleaks.ignore.descriptors} matching {@code opened by thread "NAME" at
 * CLASS.METHOD} for a frame of the open.
 */
class IgnoreByOpenerTest {

  static final String LEAKY = "dev.noleaks.examples.HandlesExample#leakyFileInputStream";

  /** The failures of one run of the leaky example, with {@code noleaks.ignore.descriptors}. */
  static List<Throwable> failures(String ignored) {
    EngineTestKit.Builder run =
        EngineTestKit.engine("junit-jupiter").selectors(selectMethod(LEAKY));
    if (ignored != null) {
      run = run.configurationParameter("noleaks.ignore.descriptors", ignored);
    }
    return run.execute().testEvents().failed().stream()
        .map(Event::getPayload)
        .flatMap(java.util.Optional::stream)
        .map(p -> ((org.junit.platform.engine.TestExecutionResult) p).getThrowable().orElseThrow())
        .toList();
  }

  @Test
  void aFileIsIgnoredByTheMethodThatOpenedIt() {
    assertThat(failures(null))
        .singleElement()
        .extracting(Throwable::getMessage)
        .asString()
        .contains("orders.csv (file) opened by thread \"main\" at");
    assertThat(
            failures(
                "opened by thread \"main\" at"
                    + " dev\\.noleaks\\.examples\\.HandlesExample\\.leakyFileInputStream"))
        .isEmpty();
    assertThat(
            failures("opened by thread \".*\" at dev\\.noleaks\\.examples\\.HandlesExample\\..*"))
        .isEmpty();
  }

  @Test
  void anotherOpenerDoesNotMatch() {
    assertThat(failures("opened by thread \"main\" at com\\.example\\..*"))
        .singleElement()
        .extracting(Throwable::getMessage)
        .asString()
        .contains("1 file descriptor leaked");
    assertThat(failures("opened by thread \"worker\" at .*")).hasSize(1);
  }
}
