package dev.noleaks.junit;

import static dev.noleaks.junit.TestKit.assertPasses;
import static dev.noleaks.junit.TestKit.failureOf;
import static dev.noleaks.junit.TestKit.reportEntries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.noleaks.Check;
import dev.noleaks.internal.config.Settings;
import dev.noleaks.internal.config.Sizes;
import java.io.IOException;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/** Annotation attributes, configuration parameters, their precedence and their error messages. */
class ConfigurationTest {

  @AfterEach
  void close() throws Exception {
    LeftOpen.closeAll();
  }

  // --- sizes and durations

  @Test
  void sizesAcceptDecimalAndBinaryUnits() {
    assertThat(Sizes.parse("64 B")).isEqualTo(64);
    assertThat(Sizes.parse("256 KB")).isEqualTo(256_000);
    assertThat(Sizes.parse("1 MiB")).isEqualTo(1 << 20);
    assertThat(Sizes.parse("1.5MB")).isEqualTo(1_500_000);
    assertThat(Sizes.parse("48")).isEqualTo(48);
    assertThat(Sizes.format(1_234_567)).isEqualTo("1.2 MB");
    assertThat(Sizes.format(512_000)).isEqualTo("512 KB");
    assertThat(Sizes.format(80)).isEqualTo("80 B");
    assertThat(Sizes.signed(-80)).isEqualTo("-80 B");
  }

  @Test
  void aBadSizeNamesTheValueAndTheAcceptedForm() {
    assertThatThrownBy(() -> Sizes.parse("64 XB"))
        .hasMessageContaining("\"64 XB\" has an unknown unit \"XB\"")
        .hasMessageContaining("KiB");
    assertThatThrownBy(() -> Sizes.parse("lots")).hasMessageContaining("\"lots\" is not a size");
  }

  @Test
  void durationsAcceptShortAndIsoForms() {
    assertThat(Settings.parseDuration("k", "250ms").toMillis()).isEqualTo(250);
    assertThat(Settings.parseDuration("k", "5s").toMillis()).isEqualTo(5_000);
    assertThat(Settings.parseDuration("k", "PT2S").toMillis()).isEqualTo(2_000);
    // Settings know nothing of JUnit; the extension turns this into its configuration error.
    assertThatThrownBy(() -> Settings.parseDuration("noleaks.settle.timeout", "-5s"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "noleaks.settle.timeout: \"-5s\" is not valid; expected " + Settings.DURATION_FORM);
  }

  // --- configuration parameters and their precedence

  @Test
  void configurationParametersSetTheDefaults() {
    Settings s =
        Settings.fromConfiguration(
            key ->
                Optional.ofNullable(
                    Map.of(
                            "heap.tolerance", "1 MiB",
                            "skip", "heap, native",
                            "mode", "warn",
                            "ignore.threads", "pool-.*, worker")
                        .get(key)));
    assertThat(s.heapTolerance()).isEqualTo(1 << 20);
    assertThat(s.checks())
        .containsExactlyInAnyOrder(Check.DESCRIPTORS, Check.THREADS, Check.BUFFERS);
    assertThat(s.warnOnly()).isTrue();
    assertThat(s.ignores().threads())
        .extracting(p -> p.pattern())
        .contains("pool-.*", "worker", "JNA Cleaner");
  }

  @NoLeaks(checks = Check.DESCRIPTORS, heapTolerance = "2 MB")
  static class Annotated {
    @Test
    void test() {}
  }

  @Test
  void theAnnotationBeatsTheConfiguration() throws NoSuchMethodException {
    NoLeaks annotation = Annotated.class.getAnnotation(NoLeaks.class);
    Settings s =
        Settings.resolve(
            Optional.of(TestSettings.attributes(annotation)),
            "Annotated.test()",
            key ->
                Optional.ofNullable(
                    Map.of("heap.tolerance", "1 KB", "checks", "threads").get(key)));
    assertThat(s.heapTolerance()).isEqualTo(2_000_000);
    assertThat(s.checks()).containsExactly(Check.DESCRIPTORS);
  }

  @NoLeaks(heapTolerance = "64 XB")
  static class BadAttribute {
    @Test
    void test() {}
  }

  @Test
  void aBadAttributeFailsTheTestNamingAttributeValueAndForm() {
    assertThat(failureOf(BadAttribute.class))
        .isInstanceOf(ExtensionConfigurationException.class)
        .hasMessageStartingWith(
            "@NoLeaks(heapTolerance) on BadAttribute.test(): \"64 XB\" is not valid; expected "
                + Sizes.ACCEPTED);
  }

  @NoLeaks(heapTolerance = "64 XB")
  static class BadAttributeOnTwoTests {
    @Test
    void first() {}

    @Test
    void second() {}
  }

  /** Settings are resolved once per annotation and run, but a bad one is not kept as resolved. */
  @Test
  void aBadAttributeFailsEachTestItIsOnNamingThatTest() {
    var failed = TestKit.run(BadAttributeOnTwoTests.class).testEvents().failed().list();
    assertThat(failed)
        .map(e -> e.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow())
        .map(Throwable::getMessage)
        .containsExactlyInAnyOrder(
            "@NoLeaks(heapTolerance) on BadAttributeOnTwoTests.first(): \"64 XB\" is not valid;"
                + " expected "
                + Sizes.ACCEPTED,
            "@NoLeaks(heapTolerance) on BadAttributeOnTwoTests.second(): \"64 XB\" is not valid;"
                + " expected "
                + Sizes.ACCEPTED);
  }

  @NoLeaks
  static class Plain {
    @Test
    void test() {}
  }

  @Test
  void aBadParameterNamesTheKey() {
    assertThat(failureOf(Plain.class, "noleaks.checks", "heap,leaks"))
        .isInstanceOf(ExtensionConfigurationException.class)
        .hasMessageContaining("noleaks.checks: \"heap,leaks\" is not valid")
        .hasMessageContaining("\"leaks\" is not one");
    assertThat(failureOf(Plain.class, "noleaks.settle.timeout", "-1s"))
        .hasMessageStartingWith("noleaks.settle.timeout: \"-1s\" is not valid");
    assertThat(failureOf(Plain.class, "noleaks.mode", "loud"))
        .hasMessage("noleaks.mode: \"loud\" is not valid; expected fail or warn");
    assertThat(failureOf(Plain.class, "noleaks.repeat", "-3"))
        .hasMessage("noleaks.repeat: \"-3\" is not valid; expected " + Settings.REPEAT_FORM);
    assertThat(failureOf(Plain.class, "noleaks.ignore.threads", "pool-("))
        .hasMessageStartingWith(
            "noleaks.ignore.threads: \"pool-(\" is not valid; expected a Java"
                + " regular expression");
  }

  // --- switching checks off, ignoring, warn mode

  @NoLeaks
  static class LeaksAFile {
    @Test
    void test() throws IOException {
      LeftOpen.file();
    }
  }

  @NoLeaks(skip = Check.DESCRIPTORS)
  static class LeaksAFileWithDescriptorsOff {
    @Test
    void test() throws IOException {
      LeftOpen.file();
    }
  }

  @NoLeaks(ignoreDescriptors = ".*/noleaks-left-open.*\\.txt")
  static class LeaksAnIgnoredFile {
    @Test
    void test() throws IOException {
      LeftOpen.file();
    }
  }

  @Test
  void aSwitchedOffCheckOrAnIgnoredTargetDoesNotFail() {
    assertPasses(LeaksAFileWithDescriptorsOff.class);
    assertPasses(LeaksAnIgnoredFile.class);
    assertPasses(LeaksAFile.class, "noleaks.skip", "descriptors");
    assertThat(failureOf(LeaksAFile.class, "noleaks.checks", "descriptors"))
        .hasMessageContaining("1 file descriptor leaked: ");
  }

  @Test
  void warnModeReportsWithoutFailing() {
    EngineExecutionResults results = assertPasses(LeaksAFile.class, "noleaks.mode", "warn");
    assertThat(reportEntries(results))
        .anySatisfy(
            e -> {
              assertThat(e.getKey()).isEqualTo("noleaks.leak.descriptors");
              assertThat(e.getValue()).startsWith("1 file descriptor leaked: ");
            });
  }

  @Test
  void everySnapshotGoesToTheReportEntries() {
    EngineExecutionResults results = assertPasses(Plain.class);
    assertThat(reportEntries(results))
        .extracting(Map.Entry::getKey)
        .contains("noleaks.before", "noleaks.after");
    assertThat(reportEntries(results))
        .filteredOn(e -> e.getKey().equals("noleaks.after"))
        .singleElement()
        .extracting(Map.Entry::getValue)
        .asString()
        .contains("heap=", "native=", "fds=", "threads=", "direct=", "rss=");
  }

  // --- where the annotation can go

  @Retention(RetentionPolicy.RUNTIME)
  @NoLeaks(checks = Check.DESCRIPTORS)
  @interface ChecksHandles {}

  @ChecksHandles
  static class MetaAnnotated {
    @Test
    void test() throws IOException {
      LeftOpen.file();
    }
  }

  @NoLeaks
  abstract static class Base {}

  static class Inheriting extends Base {
    @Test
    void test() throws IOException {
      LeftOpen.file();
    }
  }

  static class MethodLevel {
    @Test
    @NoLeaks
    void checked() throws IOException {
      LeftOpen.file();
    }

    @Test
    void unchecked() throws IOException {
      LeftOpen.file();
    }
  }

  @Test
  void worksAsMetaAnnotationInheritedAndOnMethods() {
    assertThat(failureOf(MetaAnnotated.class)).hasMessageContaining("1 file descriptor leaked");
    assertThat(failureOf(Inheriting.class)).hasMessageContaining("1 file descriptor leaked");
    EngineExecutionResults results = TestKit.run(MethodLevel.class);
    results.testEvents().assertStatistics(stats -> stats.started(2).succeeded(1).failed(1));
  }

  static class NotAnnotated {
    @Test
    void test() throws IOException {
      LeftOpen.file();
    }
  }

  @Test
  void autoDetectionWithScopeAllChecksEveryTest() {
    String[] autodetect = {
      "junit.jupiter.extensions.autodetection.enabled", "true", "noleaks.scope", "all"
    };
    assertThat(failureOf(NotAnnotated.class, autodetect))
        .hasMessageContaining("1 file descriptor leaked");
    assertPasses(NotAnnotated.class, "junit.jupiter.extensions.autodetection.enabled", "true");
  }
}
