package dev.noleaks.examples;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * One run of a scenario's example class through the JUnit Platform Test Kit, and what came of each
 * test: the demo prints it, {@link ExamplesTest} asserts on it.
 *
 * @param scenario the scenario that ran
 * @param outcomes each test method's outcome, in execution order
 */
record ScenarioRun(Scenario scenario, Map<String, Outcome> outcomes) {

  /**
   * How one test ended.
   *
   * @param passed whether it passed
   * @param message its failure, with suppressed exceptions; when it passed, its report entries
   *     (what NoLeaks read and noted), for a leak that was missed
   */
  record Outcome(boolean passed, String message) {}

  static ScenarioRun of(Scenario scenario) {
    Map<String, Outcome> outcomes = new LinkedHashMap<>();
    EngineExecutionResults results =
        EngineTestKit.engine("junit-jupiter").selectors(selectClass(scenario.example())).execute();
    Map<String, String> entries = new LinkedHashMap<>();
    results.testEvents().reportingEntryPublished().stream()
        .forEach(
            e ->
                entries.merge(
                    methodName(e),
                    e.getRequiredPayload(ReportEntry.class).getKeyValuePairs().toString(),
                    (a, b) -> a + " " + b));
    results.testEvents().finished().stream()
        .forEach(
            e -> {
              String method = methodName(e);
              outcomes.put(method, outcome(e, entries.getOrDefault(method, "")));
            });
    return new ScenarioRun(scenario, outcomes);
  }

  /** Leaky tests that failed naming every expected fragment. */
  List<String> caught() {
    return scenario.leaks().stream()
        .filter(leak -> missingFragments(leak).isEmpty())
        .map(Scenario.Leak::method)
        .toList();
  }

  /** Tests other than the leaky ones. */
  List<String> fixed() {
    return outcomes.keySet().stream().filter(m -> !Scenario.isLeaky(m)).toList();
  }

  /** Fixed tests that passed. */
  List<String> fixedPassed() {
    return fixed().stream().filter(m -> outcomes.get(m).passed()).toList();
  }

  /** Every way this run differs from the scenario's expectations; empty when all were met. */
  List<String> problems() {
    List<String> problems = new ArrayList<>();
    for (Scenario.Leak leak : scenario.leaks()) {
      Outcome outcome = outcomes.get(leak.method());
      if (outcome == null) {
        problems.add(leak.method() + " did not run");
      } else if (outcome.passed()) {
        problems.add(
            "MISSED: " + leak.method() + " passed, but it leaks; its report: " + outcome.message());
      } else {
        List<String> missing = missingFragments(leak);
        if (!missing.isEmpty()) {
          problems.add(
              leak.method()
                  + " failed without naming "
                  + missing.stream().map(f -> "\"" + f + "\"").collect(Collectors.joining(", "))
                  + ":\n"
                  + outcome.message());
        }
      }
    }
    for (String method : outcomes.keySet()) {
      if (Scenario.isLeaky(method)
          && scenario.leaks().stream().noneMatch(l -> l.method().equals(method))) {
        problems.add(method + " is leaky but has no entry in Scenarios.ALL");
      }
    }
    for (String method : fixed()) {
      Outcome outcome = outcomes.get(method);
      if (!outcome.passed()) {
        problems.add("FALSE ALARM: " + method + " failed:\n" + outcome.message());
      }
    }
    if (fixed().isEmpty()) {
      problems.add(scenario.example().getSimpleName() + " has no fixed version");
    }
    return problems;
  }

  private List<String> missingFragments(Scenario.Leak leak) {
    Outcome outcome = outcomes.get(leak.method());
    if (outcome == null || outcome.passed()) {
      return leak.expected();
    }
    return leak.expected().stream().filter(f -> !outcome.message().contains(f)).toList();
  }

  private static String methodName(Event event) {
    return event
        .getTestDescriptor()
        .getSource()
        .filter(MethodSource.class::isInstance)
        .map(s -> ((MethodSource) s).getMethodName())
        .orElse(event.getTestDescriptor().getDisplayName());
  }

  private static Outcome outcome(Event event, String reportEntries) {
    TestExecutionResult result = event.getRequiredPayload(TestExecutionResult.class);
    Optional<Throwable> failure = result.getThrowable();
    if (result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
      return new Outcome(true, reportEntries);
    }
    return new Outcome(false, failure.map(ScenarioRun::describe).orElse(result.toString()));
  }

  private static String describe(Throwable t) {
    return t.getMessage() == null
        ? t.toString()
        : t.getMessage().strip()
            + Arrays.stream(t.getSuppressed())
                .map(s -> "\n(suppressed) " + describe(s))
                .collect(Collectors.joining());
  }
}
