package dev.noleaks.internal.report;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code report.html}: every run's file in the report directory (each fork's) in one page that
 * works from the file system, offline. The page, its script and the charting library, uPlot
 * (unpacked from its webjar into this jar at build time), are inlined, and so are the runs' files
 * as they are: the page's script merges them, so the last fork to finish writes a page that shows
 * every fork's tests.
 */
public final class HtmlReport {

  public static final String FILE_NAME = "report.html";

  private static final String RESOURCES = "/dev/noleaks/internal/report/";

  private HtmlReport() {}

  /**
   * Writes {@code report.html} in {@code directory} from every run's file there. The runs' bytes
   * are copied into the page as they are, not built into one string: every test JVM of a build
   * writes the page again, and with one JVM per test class the page holds every earlier JVM's run
   * (1.4 MB after commons-csv's 38 classes).
   */
  public static Path write(Path directory) {
    try {
      String page =
          resource("report.html")
              .replace("/*uplot.css*/", resource("uplot/uPlot.min.css"))
              .replace("/*report.css*/", resource("report.css"))
              .replace("/*uplot.js*/", resource("uplot/uPlot.iife.min.js"))
              .replace("/*report.js*/", resource("report.js"));
      int runsAt = page.indexOf(RUNS);
      Path file = directory.resolve(FILE_NAME);
      Path partial = Files.createTempFile(directory, ".report-", ".part");
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(partial), 1 << 16)) {
        out.write(page.substring(0, runsAt).getBytes(StandardCharsets.UTF_8));
        out.write('[');
        String separator = "\n";
        for (Path run : runs(directory)) {
          out.write(separator.getBytes(StandardCharsets.UTF_8));
          out.write(scriptSafe(Files.readAllBytes(run)));
          separator = ",\n";
        }
        out.write(']');
        out.write(page.substring(runsAt + RUNS.length()).getBytes(StandardCharsets.UTF_8));
      }
      return Files.move(
          partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("writing the NoLeaks HTML report in " + directory, e);
    }
  }

  /** Where the page's template takes the runs. */
  private static final String RUNS = "/*runs*/";

  /** The runs' files, by name. */
  static List<Path> runs(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .filter(
              f ->
                  f.getFileName().toString().startsWith(SuiteRun.FILE_PREFIX)
                      && f.getFileName().toString().endsWith(".json"))
          .sorted()
          .toList();
    }
  }

  /**
   * A run's file as it can stand inside a {@code <script>} element: {@link Json} writes {@code <}
   * escaped, so its files come back unchanged; a file written otherwise has its {@code </} escaped.
   */
  static byte[] scriptSafe(byte[] json) {
    for (byte b : json) {
      if (b == '<') {
        return new String(json, StandardCharsets.UTF_8)
            .replace("</", "<\\/")
            .getBytes(StandardCharsets.UTF_8);
      }
    }
    return json;
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = HtmlReport.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IOException("NoLeaks' jar has no " + RESOURCES + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
