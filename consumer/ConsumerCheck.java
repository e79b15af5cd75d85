import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Builds fresh Maven projects that use NoLeaks as a user would, one per set-up, in one reactor
 * build, and checks what each one's tests did. Run by consumer/run, after NoLeaks was installed:
 *
 * <pre>java consumer/ConsumerCheck.java ROOT PROJECTS_DIR -Dmaven.repo.local=… …</pre>
 *
 * <p>Every project has one leaky test (a thread left waiting forever: deterministic) and one clean
 * test (a thread started and joined). Its pom.xml is the setup the README shows: the dependency,
 * and Surefire's argLine with {@code @{argLine}}, Native Memory Tracking and native access.
 */
public class ConsumerCheck {

  static final String NOLEAKS_VERSION = "0.1.0-SNAPSHOT";
  static final String JUNIT5 = "5.13.4";
  static final String JUNIT6 = "6.1.3"; // the newest 6.1.x on Maven Central
  static final String JUNIT_TOO_OLD = "5.10.2";
  static final String ASSERTJ = "3.27.7";

  static final String LEAK_MESSAGE = "1 thread leaked: \"consumer-leaky-worker\"";
  static final String TOO_OLD_MESSAGE = "NoLeaks needs JUnit Jupiter 5.13 or newer";

  /** What a set-up's tests must do. */
  enum Expect {
    /** The leaky test fails with NoLeaks' message, the clean one passes. */
    CATCHES_THE_LEAK,
    /** Both tests fail with NoLeaks' message that the JUnit found is too old. */
    SAYS_JUNIT_IS_TOO_OLD
  }

  /**
   * A project's set-up; {@code suiteWide}: every test checked through JUnit's extension
   * auto-detection and {@code noleaks.scope=all} in junit-platform.properties, which also has
   * NoLeaks prepare its meters while JUnit discovers the tests.
   */
  record SetUp(
      String name,
      String what,
      List<String> dependencies,
      String test,
      Expect expect,
      boolean suiteWide) {
    SetUp(String name, String what, List<String> dependencies, String test, Expect expect) {
      this(name, what, dependencies, test, expect, false);
    }
  }

  static final String PLATFORM_PROPERTIES =
      """
      junit.jupiter.extensions.autodetection.enabled=true
      noleaks.scope=all
      """;

  static final String NOLEAKS =
      dependency("dev.noleaks", "noleaks-junit", NOLEAKS_VERSION, "test");

  static final String ANNOTATED_TEST =
      """
      package com.example;

      import dev.noleaks.junit.NoLeaks;
      import java.util.concurrent.CountDownLatch;
      import org.junit.jupiter.api.Test;

      @NoLeaks
      class ConsumerTest {

        private static final CountDownLatch NEVER = new CountDownLatch(1);

        @Test
        void leakyThread() {
          Thread worker = new Thread(ConsumerTest::waitForever, "consumer-leaky-worker");
          worker.setDaemon(true);
          worker.start();
        }

        @Test
        void cleanThread() throws InterruptedException {
          Thread worker = new Thread(() -> {}, "consumer-clean-worker");
          worker.start();
          worker.join();
        }

        static void waitForever() {
          try {
            NEVER.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
      """;

  static final String ASSERTJ_TEST =
      """
      package com.example;

      import static dev.noleaks.assertions.MemoryAssertions.*;
      import static org.assertj.core.api.Assertions.*;

      import java.util.List;
      import java.util.concurrent.CountDownLatch;
      import org.junit.jupiter.api.Test;

      class ConsumerTest {

        private static final CountDownLatch NEVER = new CountDownLatch(1);

        @Test
        void leakyThread() {
          assertThatRunning(
                  () -> {
                    Thread worker = new Thread(ConsumerTest::waitForever, "consumer-leaky-worker");
                    worker.setDaemon(true);
                    worker.start();
                  })
              .doesNotLeakThreads();
        }

        @Test
        void cleanThread() {
          assertThat(List.of("AssertJ")).hasSize(1);
          assertThatCode(() -> List.of("AssertJ")).doesNotThrowAnyException();
          assertThatRunning(
                  () -> {
                    Thread worker = new Thread(() -> {}, "consumer-clean-worker");
                    worker.start();
                    worker.join();
                  })
              .doesNotLeakThreads();
        }

        static void waitForever() {
          try {
            NEVER.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
      """;

  static List<SetUp> setUps() {
    String junit5 = junit(JUNIT5);
    String junit6 = junit(JUNIT6);
    return List.of(
        new SetUp(
            "junit5-before",
            "JUnit " + JUNIT5 + " declared before NoLeaks",
            List.of(junit5, NOLEAKS),
            ANNOTATED_TEST,
            Expect.CATCHES_THE_LEAK),
        new SetUp(
            "junit5-after",
            "JUnit " + JUNIT5 + " declared after NoLeaks",
            List.of(NOLEAKS, junit5),
            ANNOTATED_TEST,
            Expect.CATCHES_THE_LEAK),
        new SetUp(
            "junit6-before",
            "JUnit " + JUNIT6 + " declared before NoLeaks",
            List.of(junit6, NOLEAKS),
            ANNOTATED_TEST,
            Expect.CATCHES_THE_LEAK),
        new SetUp(
            "junit6-after",
            "JUnit " + JUNIT6 + " declared after NoLeaks",
            List.of(NOLEAKS, junit6),
            ANNOTATED_TEST,
            Expect.CATCHES_THE_LEAK),
        new SetUp(
            "junit-too-old",
            "JUnit " + JUNIT_TOO_OLD + " (too old: NoLeaks must say so)",
            List.of(NOLEAKS, junit(JUNIT_TOO_OLD)),
            ANNOTATED_TEST,
            Expect.SAYS_JUNIT_IS_TOO_OLD),
        new SetUp(
            "assertj-static-imports",
            "AssertJ's and NoLeaks' static imports together, JUnit " + JUNIT6,
            List.of(
                junit6, dependency("org.assertj", "assertj-core", ASSERTJ, "test"), NOLEAKS),
            ASSERTJ_TEST,
            Expect.CATCHES_THE_LEAK),
        new SetUp(
            "suite-wide",
            "JUnit " + JUNIT5 + ", no annotation: every test checked (junit-platform.properties)",
            List.of(junit5, NOLEAKS),
            ANNOTATED_TEST.replace("import dev.noleaks.junit.NoLeaks;\n", "").replace("@NoLeaks\n", ""),
            Expect.CATCHES_THE_LEAK,
            true));
  }

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    Path projects = Path.of(args[1]);
    List<String> mavenArgs = List.of(args).subList(2, args.length);
    List<SetUp> setUps = setUps();
    write(projects, setUps);

    Path log = projects.resolve("build.log");
    List<String> command = new ArrayList<>();
    command.add(root.resolve("mvnw").toString());
    command.addAll(
        List.of("-B", "-fae", "-Dmaven.test.failure.ignore=true", "-f", "pom.xml", "test"));
    command.addAll(mavenArgs);
    long start = System.nanoTime();
    int exit =
        new ProcessBuilder(command)
            .directory(projects.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start()
            .waitFor();
    String buildLog = Files.readString(log);

    int passed = 0;
    int failed = 0;
    for (SetUp setUp : setUps) {
      Map<String, String> outcomes = outcomes(projects.resolve(setUp.name()));
      String problem = judge(setUp, outcomes, buildLog);
      if (problem == null) {
        passed++;
        System.out.printf("consumer: ok      %-24s %s%n", setUp.name(), setUp.what());
      } else {
        failed++;
        System.out.printf(
            "consumer: FAILED  %-24s %s: %s%n", setUp.name(), setUp.what(), problem);
      }
    }
    System.out.printf(
        "consumer: the projects' build took %d s (Maven exited with %d; output in %s)%n",
        (System.nanoTime() - start) / 1_000_000_000, exit, log);
    System.out.printf("consumer: %d passed, %d failed%n", passed, failed);
    System.exit(failed == 0 ? 0 : 1);
  }

  /** Null when the set-up did what it must, else what went wrong. */
  static String judge(SetUp setUp, Map<String, String> outcomes, String buildLog) {
    switch (setUp.expect()) {
      case CATCHES_THE_LEAK:
        return catchesTheLeak(outcomes);
      case SAYS_JUNIT_IS_TOO_OLD:
        if (!outcomes.keySet().equals(java.util.Set.of("leakyThread", "cleanThread"))) {
          return "expected the tests leakyThread and cleanThread to run, ran " + outcomes.keySet();
        }
        for (var e : outcomes.entrySet()) {
          if (!e.getValue().contains(TOO_OLD_MESSAGE) || !e.getValue().contains(JUNIT_TOO_OLD)) {
            return e.getKey() + " did not fail saying JUnit " + JUNIT_TOO_OLD + " is too old: "
                + firstLine(e.getValue());
          }
        }
        return null;
      default:
        throw new AssertionError(setUp.expect());
    }
  }

  static String catchesTheLeak(Map<String, String> outcomes) {
    if (!outcomes.keySet().equals(java.util.Set.of("leakyThread", "cleanThread"))) {
      return "expected the tests leakyThread and cleanThread to run, ran " + outcomes.keySet();
    }
    if (!outcomes.get("leakyThread").contains(LEAK_MESSAGE)) {
      return "leakyThread did not fail with '" + LEAK_MESSAGE + "': "
          + firstLine(outcomes.get("leakyThread"));
    }
    if (!outcomes.get("cleanThread").isEmpty()) {
      return "cleanThread failed: " + indented(outcomes.get("cleanThread"));
    }
    return null;
  }

  /** Test method name to its failure text ("" when it passed), from Surefire's XML reports. */
  static Map<String, String> outcomes(Path project) throws Exception {
    Map<String, String> outcomes = new LinkedHashMap<>();
    Path reports = project.resolve("target/surefire-reports");
    if (!Files.isDirectory(reports)) {
      return outcomes;
    }
    List<Path> xmls;
    try (Stream<Path> files = Files.list(reports)) {
      xmls = files.filter(p -> p.getFileName().toString().startsWith("TEST-")).toList();
    }
    for (Path xml : xmls) {
      var document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
      NodeList cases = document.getElementsByTagName("testcase");
      for (int i = 0; i < cases.getLength(); i++) {
        Element testCase = (Element) cases.item(i);
        StringBuilder failure = new StringBuilder();
        for (String kind : List.of("failure", "error")) {
          NodeList problems = testCase.getElementsByTagName(kind);
          for (int j = 0; j < problems.getLength(); j++) {
            Element problem = (Element) problems.item(j);
            failure.append(problem.getAttribute("message")).append('\n');
            failure.append(problem.getTextContent());
          }
        }
        outcomes.put(testCase.getAttribute("name").replace("()", ""), failure.toString());
      }
    }
    return outcomes;
  }

  /** The whole failure text, for a failure nobody expected: its first line rarely says enough. */
  static String indented(String text) {
    return text.strip().indent(4).stripTrailing();
  }

  static String firstLine(String text) {
    return text.isEmpty() ? "(passed)" : text.lines().findFirst().orElse("");
  }

  static void write(Path projects, List<SetUp> setUps) throws IOException {
    String modules =
        setUps.stream()
            .map(s -> "    <module>" + s.name() + "</module>")
            .collect(Collectors.joining("\n"));
    Files.createDirectories(projects);
    Files.writeString(
        projects.resolve("pom.xml"),
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>com.example</groupId>
          <artifactId>consumers</artifactId>
          <version>1</version>
          <packaging>pom</packaging>
          <modules>
        %s
          </modules>
        </project>
        """
            .formatted(modules));
    for (SetUp setUp : setUps) {
      Path project = projects.resolve(setUp.name());
      deleteRecursively(project);
      Path sources = project.resolve("src/test/java/com/example");
      Files.createDirectories(sources);
      Files.writeString(project.resolve("pom.xml"), pom(setUp));
      Files.writeString(sources.resolve("ConsumerTest.java"), setUp.test());
      if (setUp.suiteWide()) {
        Path resources = Files.createDirectories(project.resolve("src/test/resources"));
        Files.writeString(resources.resolve("junit-platform.properties"), PLATFORM_PROPERTIES);
      }
    }
  }

  /** A user's pom.xml: the README's setup (dependency and Surefire argLine), nothing else. */
  static String pom(SetUp setUp) {
    return """
        <?xml version="1.0" encoding="UTF-8"?>
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>com.example</groupId>
          <artifactId>%s</artifactId>
          <version>1</version>
          <properties>
            <maven.compiler.release>17</maven.compiler.release>
            <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
            <argLine></argLine>
          </properties>
          <dependencies>
        %s
          </dependencies>
          <build>
            <plugins>
              <plugin>
                <artifactId>maven-compiler-plugin</artifactId>
                <version>3.14.0</version>
              </plugin>
              <plugin>
                <artifactId>maven-resources-plugin</artifactId>
                <version>3.3.1</version>
              </plugin>
              <plugin>
                <artifactId>maven-surefire-plugin</artifactId>
                <version>3.5.4</version>
                <configuration>
                  <argLine>@{argLine} -XX:NativeMemoryTracking=summary --enable-native-access=ALL-UNNAMED</argLine>
                </configuration>
              </plugin>
            </plugins>
          </build>
        </project>
        """
        .formatted(setUp.name(), String.join("\n", setUp.dependencies()));
  }

  static String junit(String version) {
    return dependency("org.junit.jupiter", "junit-jupiter", version, "test");
  }

  static String dependency(String group, String artifact, String version, String scope) {
    return """
            <dependency>
              <groupId>%s</groupId>
              <artifactId>%s</artifactId>
              <version>%s</version>
              <scope>%s</scope>
            </dependency>"""
        .formatted(group, artifact, version, scope);
  }

  static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> all = Files.walk(path)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
