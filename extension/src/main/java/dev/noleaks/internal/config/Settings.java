package dev.noleaks.internal.config;

import dev.noleaks.Check;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The settings in force for one test: {@code @NoLeaks} attributes over {@code noleaks.*}
 * configuration parameters over defaults. Every bad value fails with an {@link
 * IllegalArgumentException} naming the attribute or key, the value and the accepted form; nothing
 * here knows JUnit (the extension turns the exception into JUnit's configuration error, the fluent
 * assertions let it through).
 */
public record Settings(
    Set<Check> checks,
    long heapTolerance,
    long nativeTolerance,
    int repeat,
    int warmup,
    long heapThreshold,
    long nativeThreshold,
    Duration settleTimeout,
    Ignores ignores,
    boolean warnOnly,
    boolean rerun,
    Lingering lingering,
    HeapDump heapDump,
    boolean nativeSites) {

  public static final String PREFIX = "noleaks.";
  public static final String DEFAULT_HEAP_TOLERANCE = "512 KB";
  public static final String DEFAULT_NATIVE_TOLERANCE = "512 KB";
  public static final String DEFAULT_HEAP_THRESHOLD = "8 B";
  public static final String DEFAULT_NATIVE_THRESHOLD = "48 B";

  /** Above the 5 s period at which HotSpot hands the JIT's pooled arena chunks back to malloc. */
  public static final String DEFAULT_SETTLE_TIMEOUT = "6s";

  public static final int DEFAULT_WARMUP = 5;

  /**
   * The fewest measured runs repeated mode accepts. The trend rule wants every delta positive when
   * there are fewer than 10; with one to four runs a single noisy reading decides (an empty body
   * failed 3 of 3 times with {@code repeat = 1}), so those counts are refused, not judged.
   */
  public static final int MIN_REPEAT = 5;

  /** The accepted form of a repeat count, in every message that refuses one. */
  public static final String REPEAT_FORM =
      "0 (a single run) or at least " + MIN_REPEAT + " measured runs (20–30 is typical)";

  /** The configuration keys NoLeaks reads, without the prefix; anything else is a misspelling. */
  static final List<String> KEYS =
      List.of(
          "scope",
          "mode",
          "checks",
          "skip",
          "heap.tolerance",
          "native.tolerance",
          "repeat",
          "warmup",
          "heap.threshold",
          "native.threshold",
          "settle.timeout",
          "ignore.threads",
          "ignore.descriptors",
          "rerun",
          "linger",
          "linger.threads",
          "heap.dump",
          "pools",
          "report",
          "report.directory",
          "native.sites");

  /** The accepted values of {@code noleaks.native.sites}. */
  static final String NATIVE_SITES_FORM = "on or off";

  /** The accepted values of {@code noleaks.rerun}. */
  static final String RERUN_FORM = "on-growth or never";

  /**
   * What is wrong with the {@code noleaks.} keys among {@code keys}: one message per key NoLeaks
   * does not read, naming the nearest one it does. A misspelled key would otherwise be ignored and
   * the test checked with the default it meant to change.
   */
  public static List<String> unknownKeys(java.util.Collection<String> keys) {
    return unknownKeys(keys, false);
  }

  /**
   * The messages of {@link #unknownKeys} for the keys within three edits of a setting, the ones
   * that are surely misspellings: a {@code noleaks.} key further from all of them may be another
   * tool's (a Maven property passed down as a system property) and fails nothing.
   */
  public static List<String> misspelledKeys(java.util.Collection<String> keys) {
    return unknownKeys(keys, true);
  }

  private static List<String> unknownKeys(java.util.Collection<String> keys, boolean nearOnly) {
    List<String> problems = new ArrayList<>();
    for (String key : new java.util.TreeSet<>(keys)) {
      if (!key.startsWith(PREFIX) || KEYS.contains(key.substring(PREFIX.length()))) {
        continue;
      }
      String name = key.substring(PREFIX.length());
      String nearest =
          KEYS.stream()
              .min(java.util.Comparator.comparingInt(k -> distance(k, name)))
              .orElseThrow();
      boolean near = distance(nearest, name) <= 3;
      if (nearOnly && !near) {
        continue;
      }
      problems.add(
          key
              + " is not a NoLeaks setting"
              + (near ? "; did you mean " + PREFIX + nearest + "?" : "")
              + " (the settings are "
              + PREFIX
              + String.join(", " + PREFIX, KEYS)
              + ")");
    }
    return problems;
  }

  /**
   * The {@code noleaks.} keys of the configuration that can be listed without the launcher: system
   * properties and the first {@code junit-platform.properties} on the class path (the one JUnit
   * reads). Surefire's {@code configurationParameters} are seen by {@code ConfigurationCheck}.
   */
  public static Set<String> visibleKeys() {
    Set<String> keys = new java.util.TreeSet<>(System.getProperties().stringPropertyNames());
    keys.addAll(platformProperties().stringPropertyNames());
    keys.removeIf(k -> !k.startsWith(PREFIX));
    return keys;
  }

  /**
   * A setting as it can be read without the launcher (as {@link #visibleKeys}): the system
   * property, else the first {@code junit-platform.properties} on the class path; {@code key}
   * without the prefix.
   */
  public static Optional<String> visibleValue(String key) {
    String property = System.getProperty(PREFIX + key);
    return property != null
        ? Optional.of(property)
        : Optional.ofNullable(platformProperties().getProperty(PREFIX + key));
  }

  /** Whether a {@code noleaks.scope} value checks every test: {@code all}, in any case. */
  public static boolean scopeIsAll(Optional<String> scope) {
    return scope.map(v -> v.trim().toLowerCase(Locale.ROOT).equals("all")).orElse(false);
  }

  /** The first {@code junit-platform.properties} on the class path, the one JUnit reads. */
  private static java.util.Properties platformProperties() {
    java.util.Properties properties = new java.util.Properties();
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    java.net.URL file =
        (loader == null ? Settings.class.getClassLoader() : loader)
            .getResource("junit-platform.properties");
    if (file != null) {
      try (java.io.InputStream in = file.openStream()) {
        properties.load(in);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("reading " + file, e);
      }
    }
    return properties;
  }

  /** Levenshtein distance: edits from one key to another. */
  private static int distance(String a, String b) {
    int[] row = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      row[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      int diagonal = row[0];
      row[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int above = row[j];
        row[j] =
            Math.min(
                Math.min(row[j] + 1, row[j - 1] + 1),
                diagonal + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
        diagonal = above;
      }
    }
    return row[b.length()];
  }

  /**
   * The suite report of a run: whether it is written ({@code noleaks.report}, default on) and where
   * ({@code noleaks.report.directory}, default {@code target/noleaks} under the working directory,
   * the module's under Maven). Read once per run by the report's launcher listener.
   */
  public record Report(boolean on, java.nio.file.Path directory) {

    public static final String DEFAULT_DIRECTORY = "target/noleaks";
    static final String ON_FORM = "on or off";
    static final String DIRECTORY_FORM =
        "a directory path, absolute or relative to " + "the working directory";

    /** The report settings of a configuration; a bad value fails naming the key. */
    public static Report of(Source config) {
      boolean on =
          config
              .parameter("report")
              .map(
                  text ->
                      switch (text.trim().toLowerCase(Locale.ROOT)) {
                        case "on" -> true;
                        case "off" -> false;
                        default -> throw Resolver.bad(PREFIX + "report", text, ON_FORM);
                      })
              .orElse(true);
      String directory = config.parameter("report.directory").orElse(DEFAULT_DIRECTORY);
      try {
        if (directory.isBlank()) {
          throw new java.nio.file.InvalidPathException(directory, "empty");
        }
        return new Report(on, java.nio.file.Path.of(directory.trim()));
      } catch (java.nio.file.InvalidPathException e) {
        throw Resolver.bad(PREFIX + "report.directory", directory, DIRECTORY_FORM);
      }
    }
  }

  /** Whether a repeat count is one repeated mode accepts (see {@link #REPEAT_FORM}). */
  public static boolean validRepeat(int n) {
    return n == 0 || n >= MIN_REPEAT;
  }

  /** Where a setting's text came from: the configuration parameter or the annotation attribute. */
  public interface Source {
    /** The raw text for a key (without the prefix), if the configuration has it. */
    Optional<String> parameter(String key);
  }

  public Settings {
    checks = checks.isEmpty() ? EnumSet.noneOf(Check.class) : EnumSet.copyOf(checks);
  }

  public boolean checks(Check check) {
    return checks.contains(check);
  }

  public boolean repeated() {
    return repeat > 0;
  }

  /**
   * The attributes of a {@code @NoLeaks} annotation as plain values, so that settings resolve
   * without the annotation type or JUnit (the extension maps the annotation: {@link
   * TestSettings#attributes}). Unset is as the annotation writes it: an empty array or text, -1 for
   * a count, no choice for {@code mode} and {@code rerun}.
   *
   * @param warnOnly {@code mode}: warn (true), fail (false), or the configuration's (empty)
   * @param rerun {@code rerun}: on growth (true), never (false), or the configuration's (empty)
   */
  public record Attributes(
      Check[] checks,
      Check[] skip,
      String heapTolerance,
      String nativeTolerance,
      String heapThreshold,
      String nativeThreshold,
      int repeat,
      int warmup,
      String settleTimeout,
      String[] ignoreThreads,
      String[] ignoreDescriptors,
      Optional<Boolean> warnOnly,
      Optional<Boolean> rerun) {}

  /** The settings for a test: the nearest {@code @NoLeaks} (if any) over the configuration. */
  public static Settings resolve(Optional<Attributes> annotation, String where, Source config) {
    return new Resolver(annotation, where, config).resolve();
  }

  /**
   * The settings of code checked outside a JUnit extension (the fluent assertions, {@link
   * Snapshot#take()}): the {@code noleaks.} system properties over the defaults. A misspelled
   * {@code noleaks.} key fails like a bad value.
   */
  public static Settings fromSystemProperties() {
    List<String> misspelled = misspelledKeys(System.getProperties().stringPropertyNames());
    if (!misspelled.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n", misspelled));
    }
    return fromConfiguration(key -> Optional.ofNullable(System.getProperty(PREFIX + key)));
  }

  /** Configuration only, for the fluent assertions and for tests without an annotation. */
  public static Settings fromConfiguration(Source config) {
    return resolve(Optional.empty(), "", config);
  }

  /** Defaults only. */
  public static Settings defaults() {
    return fromConfiguration(key -> Optional.empty());
  }

  public Settings withRepeat(int repeat, int warmup) {
    return with(checks, heapTolerance, nativeTolerance, repeat, warmup, ignores);
  }

  /**
   * The checks the single-run rule judges: all of them, but heap and native memory in repeated
   * mode, where their trend over the runs judges them instead.
   */
  public Settings forSingleRun() {
    return repeated() ? without(Check.HEAP, Check.NATIVE) : this;
  }

  /** These settings with {@code removed} switched off. */
  public Settings without(Check... removed) {
    EnumSet<Check> kept = EnumSet.noneOf(Check.class);
    kept.addAll(checks);
    kept.removeAll(Arrays.asList(removed));
    return withChecks(kept);
  }

  public Settings withChecks(Set<Check> checks) {
    return with(checks, heapTolerance, nativeTolerance, repeat, warmup, ignores);
  }

  /** These settings with half the heap and native tolerances, for what one of two runs added. */
  public Settings withHalfTolerances() {
    return with(checks, heapTolerance / 2, nativeTolerance / 2, repeat, warmup, ignores);
  }

  public Settings withIgnores(Ignores ignores) {
    return with(checks, heapTolerance, nativeTolerance, repeat, warmup, ignores);
  }

  /** These settings with the given values for what the {@code with} methods change. */
  private Settings with(
      Set<Check> checks,
      long heapTolerance,
      long nativeTolerance,
      int repeat,
      int warmup,
      Ignores ignores) {
    return new Settings(
        checks,
        heapTolerance,
        nativeTolerance,
        repeat,
        warmup,
        heapThreshold,
        nativeThreshold,
        settleTimeout,
        ignores,
        warnOnly,
        rerun,
        lingering,
        heapDump,
        nativeSites);
  }

  private static final class Resolver {
    private final Optional<Attributes> annotation;
    private final String where;
    private final Source config;

    Resolver(Optional<Attributes> annotation, String where, Source config) {
      this.annotation = annotation;
      this.where = where;
      this.config = config;
    }

    Settings resolve() {
      Set<Check> checks =
          pick("checks", Attributes::checks, a -> a.length == 0, this::checkList)
              .orElse(EnumSet.allOf(Check.class));
      Set<Check> skip =
          pick("skip", Attributes::skip, a -> a.length == 0, this::checkList)
              .orElse(EnumSet.noneOf(Check.class));
      EnumSet<Check> effective = EnumSet.noneOf(Check.class);
      effective.addAll(checks);
      effective.removeAll(skip);
      if (effective.isEmpty() && annotation.isPresent() && annotationChecksNothing()) {
        throw bad(
            attributeLabel("checks, skip"),
            "checks " + keys(checks) + " minus skip " + keys(skip),
            "checks and skip that leave at least one check to run (to check nothing, remove"
                + " @NoLeaks from this test)");
      }

      long heapTolerance =
          size(
              "heap.tolerance", "heapTolerance", Attributes::heapTolerance, DEFAULT_HEAP_TOLERANCE);
      long nativeTolerance =
          size(
              "native.tolerance",
              "nativeTolerance",
              Attributes::nativeTolerance,
              DEFAULT_NATIVE_TOLERANCE);
      long heapThreshold =
          size(
              "heap.threshold", "heapThreshold", Attributes::heapThreshold, DEFAULT_HEAP_THRESHOLD);
      long nativeThreshold =
          size(
              "native.threshold",
              "nativeThreshold",
              Attributes::nativeThreshold,
              DEFAULT_NATIVE_THRESHOLD);
      int repeat = repeatCount();
      int warmup =
          count("warmup", "warmup", Attributes::warmup, -1, DEFAULT_WARMUP, "a whole number ≥ 0");
      Duration settle = duration();
      List<Pattern> threads =
          patterns("ignore.threads", "ignoreThreads", Attributes::ignoreThreads);
      List<Pattern> descriptors =
          patterns("ignore.descriptors", "ignoreDescriptors", Attributes::ignoreDescriptors);
      boolean warn = warnOnly();
      boolean rerun = rerun();
      Lingering lingering =
          Lingering.of(
              patterns("linger.threads"),
              config
                  .parameter("linger")
                  .map(text -> parseDuration(PREFIX + "linger", text))
                  .orElseGet(() -> parseDuration("default", Lingering.DEFAULT_LINGER)));
      return new Settings(
          effective,
          heapTolerance,
          nativeTolerance,
          repeat,
          warmup,
          heapThreshold,
          nativeThreshold,
          settle,
          Ignores.builtIn()
              .plus(threads, descriptors)
              .plusPools(
                  config
                      .parameter("pools")
                      .map(text -> Ignores.poolClasses(PREFIX + "pools", text))
                      .orElse(List.of())),
          warn,
          rerun,
          lingering,
          heapDump(),
          nativeSites());
    }

    /**
     * Whether the annotation by itself leaves nothing to check ({@code checks = HEAP, skip =
     * HEAP}): it contradicts itself. When the configuration empties it ({@code noleaks.skip=heap}
     * beside {@code checks = HEAP}), the test is not checked: that is what the configuration asked
     * for.
     */
    private boolean annotationChecksNothing() {
      Attributes a = annotation.orElseThrow();
      EnumSet<Check> own =
          a.checks().length == 0
              ? EnumSet.allOf(Check.class)
              : EnumSet.copyOf(Arrays.asList(a.checks()));
      own.removeAll(Arrays.asList(a.skip()));
      return own.isEmpty();
    }

    private static String keys(Set<Check> checks) {
      return checks.stream().map(Check::key).toList().toString();
    }

    /**
     * The measured runs: the annotation's unless it is -1, else {@code noleaks.repeat}, else 0.
     * Zero forces a single run even where the configuration sets a repeat count.
     */
    private int repeatCount() {
      int repeat = count("repeat", "repeat", Attributes::repeat, -1, 0, REPEAT_FORM);
      if (!validRepeat(repeat)) {
        boolean fromAnnotation = annotation.isPresent() && annotation.get().repeat() != -1;
        throw bad(
            fromAnnotation ? attributeLabel("repeat") : PREFIX + "repeat",
            Integer.toString(repeat),
            REPEAT_FORM);
      }
      return repeat;
    }

    /** The annotation's value when set, else the parameter's, parsed from text. */
    private <A, T> Optional<T> pick(
        String key,
        Function<Attributes, A> attribute,
        java.util.function.Predicate<A> unset,
        java.util.function.BiFunction<String, String, T> fromText) {
      if (annotation.isPresent()) {
        A value = attribute.apply(annotation.get());
        if (!unset.test(value)) {
          return Optional.of(fromAnnotation(key, value));
        }
      }
      return config.parameter(key).map(text -> fromText.apply(PREFIX + key, text));
    }

    @SuppressWarnings("unchecked")
    private <A, T> T fromAnnotation(String key, A value) {
      // Only check arrays reach here: the other attributes are text and go through parse().
      return (T) EnumSet.copyOf(Arrays.asList((Check[]) value));
    }

    private Set<Check> checkList(String name, String text) {
      EnumSet<Check> result = EnumSet.noneOf(Check.class);
      for (String part : text.split(",")) {
        String word = part.trim().toLowerCase(Locale.ROOT);
        if (word.isEmpty()) {
          continue;
        }
        if (word.equals("all")) {
          result.addAll(EnumSet.allOf(Check.class));
          continue;
        }
        if (word.equals("none")) {
          continue;
        }
        Check check =
            Arrays.stream(Check.values())
                .filter(c -> c.key().equals(word))
                .findFirst()
                .orElseThrow(
                    () ->
                        bad(
                            name,
                            text,
                            "a comma-separated list of checks: heap, native, descriptors,"
                                + " threads, buffers (or all, none); \""
                                + part.trim()
                                + "\" is not one"));
        result.add(check);
      }
      return result;
    }

    private long size(
        String key, String attributeName, Function<Attributes, String> attribute, String fallback) {
      return text(key, attributeName, attribute)
          .map(
              t -> {
                try {
                  return Sizes.parse(t.text());
                } catch (IllegalArgumentException e) {
                  throw bad(t.name(), t.text(), Sizes.ACCEPTED);
                }
              })
          .orElseGet(() -> Sizes.parse(fallback));
    }

    private int count(
        String key,
        String attributeName,
        Function<Attributes, Integer> attribute,
        int unset,
        int fallback,
        String form) {
      if (annotation.isPresent()) {
        int value = attribute.apply(annotation.get());
        if (value != unset) {
          if (value < 0) {
            throw bad(attributeLabel(attributeName), Integer.toString(value), form);
          }
          return value;
        }
      }
      return config
          .parameter(key)
          .map(
              text -> {
                try {
                  int value = Integer.parseInt(text.trim());
                  if (value >= 0) {
                    return value;
                  }
                } catch (NumberFormatException e) {
                  // reported below with the accepted form
                }
                throw bad(PREFIX + key, text, form);
              })
          .orElse(fallback);
    }

    private Duration duration() {
      return text("settle.timeout", "settleTimeout", Attributes::settleTimeout)
          .map(t -> parseDuration(t.name(), t.text()))
          .orElseGet(() -> parseDuration("default", DEFAULT_SETTLE_TIMEOUT));
    }

    private List<Pattern> patterns(
        String key, String attributeName, Function<Attributes, String[]> attribute) {
      List<Pattern> result = patterns(key);
      annotation.ifPresent(
          a -> {
            for (String part : attribute.apply(a)) {
              result.add(regex(attributeLabel(attributeName), part));
            }
          });
      return result;
    }

    /** The parameter's comma-separated regular expressions (a setting with no attribute). */
    private List<Pattern> patterns(String key) {
      List<Pattern> result = new ArrayList<>();
      config
          .parameter(key)
          .ifPresent(
              text -> {
                for (String part : text.split(",")) {
                  if (!part.isBlank()) {
                    result.add(regex(PREFIX + key, part.trim()));
                  }
                }
              });
      return result;
    }

    private boolean warnOnly() {
      return choice("mode", Attributes::warnOnly, "warn", "fail", "fail or warn", false);
    }

    /** What a heap leak's dump is for: {@code noleaks.heap.dump}, a setting with no attribute. */
    private HeapDump heapDump() {
      return config
          .parameter("heap.dump")
          .map(
              text -> {
                for (HeapDump d : HeapDump.values()) {
                  if (d.word().equalsIgnoreCase(text.trim())) {
                    return d;
                  }
                }
                throw bad(PREFIX + "heap.dump", text, HeapDump.FORM);
              })
          .orElse(HeapDump.ON_LEAK);
    }

    /**
     * Whether a native finding lists where its unfreed bytes were allocated: {@code
     * noleaks.native.sites}, a setting with no attribute, on by default.
     */
    private boolean nativeSites() {
      return config
          .parameter("native.sites")
          .map(
              text -> {
                String word = text.trim();
                if (word.equalsIgnoreCase("on") || word.equalsIgnoreCase("off")) {
                  return word.equalsIgnoreCase("on");
                }
                throw bad(PREFIX + "native.sites", text, NATIVE_SITES_FORM);
              })
          .orElse(true);
    }

    /** Whether a single run whose memory grew runs again: {@code noleaks.rerun}, default yes. */
    private boolean rerun() {
      return choice("rerun", Attributes::rerun, "on-growth", "never", RERUN_FORM, true);
    }

    /**
     * A yes-or-no setting: the annotation's choice when it made one, else the parameter's word
     * ({@code yes} or {@code no}, accepted in any case), else {@code fallback}.
     */
    private boolean choice(
        String key,
        Function<Attributes, Optional<Boolean>> attribute,
        String yes,
        String no,
        String form,
        boolean fallback) {
      Optional<Boolean> chosen = annotation.flatMap(attribute);
      if (chosen.isPresent()) {
        return chosen.get();
      }
      return config
          .parameter(key)
          .map(
              text -> {
                String word = text.trim().toLowerCase(Locale.ROOT);
                if (word.equals(yes) || word.equals(no)) {
                  return word.equals(yes);
                }
                throw bad(PREFIX + key, text, form);
              })
          .orElse(fallback);
    }

    private record Text(String name, String text) {}

    private Optional<Text> text(
        String key, String attributeName, Function<Attributes, String> attribute) {
      if (annotation.isPresent()) {
        String value = attribute.apply(annotation.get());
        if (!value.isEmpty()) {
          return Optional.of(new Text(attributeLabel(attributeName), value));
        }
      }
      return config.parameter(key).map(text -> new Text(PREFIX + key, text));
    }

    private Pattern regex(String name, String text) {
      try {
        return Pattern.compile(text);
      } catch (PatternSyntaxException e) {
        throw bad(name, text, "a Java regular expression (" + e.getDescription() + ")");
      }
    }

    private String attributeLabel(String attributeName) {
      return "@NoLeaks(" + attributeName + ")" + (where.isEmpty() ? "" : " on " + where);
    }

    private static IllegalArgumentException bad(String name, String value, String form) {
      return new IllegalArgumentException(
          name + ": \"" + value + "\" is not valid; expected " + form);
    }
  }

  private static final Pattern SIMPLE_DURATION =
      Pattern.compile("\\s*(\\d+)\\s*(ms|s|m|min)\\s*", Pattern.CASE_INSENSITIVE);

  public static Duration parseDuration(String name, String text) {
    Matcher m = SIMPLE_DURATION.matcher(text);
    Duration d;
    if (text.trim().equals("0")) {
      d = Duration.ZERO; // no unit needed for none at all
    } else if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      d =
          switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
          };
    } else {
      try {
        d = Duration.parse(text.trim());
      } catch (DateTimeParseException e) {
        throw Resolver.bad(name, text, DURATION_FORM);
      }
    }
    if (d.isNegative()) {
      throw Resolver.bad(name, text, DURATION_FORM);
    }
    return d;
  }

  public static final String DURATION_FORM =
      "a duration ≥ 0: a whole number with a unit ms, s, m or min (\"250ms\", \"5s\", \"1m\"),"
          + " an ISO-8601 duration (\"PT5S\"), or 0";
}
