package dev.noleaks.examples;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo: runs every scenario of {@link Scenarios#ALL} as JUnit would, prints what NoLeaks said
 * about each leaky example, then a summary. Exits with 1 only when an expectation was not met (a
 * leak missed, a fixed version failing, a message not naming what leaked).
 *
 * <p>Run it with {@code ./mvnw -q -pl examples -am verify -Pdemo -DskipTests}.
 */
public final class Demo {

  /**
   * Lines of a failure message shown: enough for a leaked thread's stack to reach the frame that
   * started it; the rest (more threads' stacks) is summarised.
   */
  private static final int MESSAGE_LINES = 12;

  private Demo() {}

  public static void main(String[] args) {
    PrintStream out =
        new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    out.println("NoLeaks demo: every failure mode as a leaky and a fixed JUnit test.");
    out.println("The leaky tests are meant to fail; what follows is what NoLeaks said.");

    List<ScenarioRun> runs = new ArrayList<>();
    int number = 0;
    for (Scenario scenario : Scenarios.ALL) {
      ScenarioRun run = ScenarioRun.of(scenario);
      runs.add(run);
      printScenario(out, ++number, run);
    }

    List<String> problems = new ArrayList<>();
    for (ScenarioRun run : runs) {
      run.problems()
          .forEach(p -> problems.add(run.scenario().example().getSimpleName() + ": " + p));
    }
    printSummary(out, runs);
    if (problems.isEmpty()) {
      out.println();
      out.println(
          verdict(runs) + " — the failures above are the leaky examples, failing as intended.");
    } else {
      out.println();
      out.println("NOT AS EXPECTED:");
      problems.forEach(p -> out.println("  " + p.replace("\n", "\n    ")));
    }
    out.flush();
    // Exit explicitly: the leaky examples left non-daemon threads running on purpose.
    System.exit(problems.isEmpty() ? 0 : 1);
  }

  private static void printScenario(PrintStream out, int number, ScenarioRun run) {
    Scenario scenario = run.scenario();
    out.println();
    out.println(number + ". " + scenario.title());
    out.println("   " + scenario.source());
    for (Scenario.Leak leak : scenario.leaks()) {
      ScenarioRun.Outcome outcome = run.outcomes().get(leak.method());
      if (outcome == null) {
        out.println("   ? " + leak.method() + " did not run");
      } else if (outcome.passed()) {
        out.println("   ✗ " + leak.method() + " passed: the leak was MISSED");
      } else {
        out.println("   ✓ " + leak.method() + " failed, as intended:");
        out.println(indent(excerpt(outcome.message()), "       "));
      }
    }
    for (String method : run.fixed()) {
      ScenarioRun.Outcome outcome = run.outcomes().get(method);
      if (outcome.passed()) {
        out.println("   ✓ " + method + " passed");
      } else {
        out.println("   ✗ " + method + " failed: FALSE ALARM");
        out.println(indent(excerpt(outcome.message()), "       "));
      }
    }
  }

  private static void printSummary(PrintStream out, List<ScenarioRun> runs) {
    out.println();
    String row = "%-3s %-58s %-15s %-15s%n";
    out.printf(row, "#", "scenario", "leaky", "fixed");
    out.printf(row, "--", "-".repeat(58), "-".repeat(15), "-".repeat(15));
    int number = 0;
    for (ScenarioRun run : runs) {
      int leaks = run.scenario().leaks().size();
      int caught = run.caught().size();
      int fixed = run.fixed().size();
      int passed = run.fixedPassed().size();
      out.printf(
          row,
          ++number,
          run.scenario().title(),
          caught == leaks ? "caught ✓ " + ratio(caught, leaks) : "MISSED " + ratio(caught, leaks),
          passed == fixed && fixed > 0
              ? "passed ✓ " + ratio(passed, fixed)
              : "FALSE ALARM " + ratio(passed, fixed));
    }
  }

  private static String verdict(List<ScenarioRun> runs) {
    int caught = runs.stream().mapToInt(r -> r.caught().size()).sum();
    int passed = runs.stream().mapToInt(r -> r.fixedPassed().size()).sum();
    return runs.size()
        + " scenarios: "
        + caught
        + " leaky tests caught, "
        + passed
        + " fixed tests passed";
  }

  private static String ratio(int n, int of) {
    return n + "/" + of;
  }

  private static String excerpt(String message) {
    String[] lines = message.split("\n");
    if (lines.length <= MESSAGE_LINES) {
      return message;
    }
    return String.join("\n", List.of(lines).subList(0, MESSAGE_LINES))
        + "\n… "
        + (lines.length - MESSAGE_LINES)
        + (lines.length - MESSAGE_LINES == 1 ? " more line" : " more lines");
  }

  private static String indent(String text, String prefix) {
    return prefix + text.replace("\n", "\n" + prefix);
  }
}
