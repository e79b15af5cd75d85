package dev.noleaks.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Runs every example through the JUnit Platform Test Kit: each leaky test must fail and name what
 * leaked, each fixed test must pass. The example classes themselves are excluded from Surefire
 * (they fail on purpose); this test is what the build runs.
 */
class ExamplesTest {

  static final List<Scenario> SCENARIOS = Scenarios.ALL;

  @ParameterizedTest(name = "{index}. {0}")
  @FieldSource("SCENARIOS")
  void leakyVersionsFailAndFixedVersionsPass(Scenario scenario) {
    List<String> problems = ScenarioRun.of(scenario).problems();
    assertTrue(
        problems.isEmpty(),
        () -> scenario.example().getSimpleName() + ":\n" + String.join("\n", problems));
  }
}
