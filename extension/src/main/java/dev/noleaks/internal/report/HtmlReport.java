package dev.noleaks.internal.report;

import java.io.IOException;
import java.io.InputStream;
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

  /** Writes {@code report.html} in {@code directory} from every run's file there. */
  public static Path write(Path directory) {
    try {
      String page =
          resource("report.html")
              .replace("/*uplot.css*/", resource("uplot/uPlot.min.css"))
              .replace("/*report.css*/", resource("report.css"))
              .replace("/*uplot.js*/", resource("uplot/uPlot.iife.min.js"))
              .replace("/*report.js*/", resource("report.js"))
              .replace("/*runs*/", "[\n" + String.join(",\n", runs(directory)) + "]");
      Path file = directory.resolve(FILE_NAME);
      Path partial = Files.createTempFile(directory, ".report-", ".part");
      Files.writeString(partial, page);
      return Files.move(
          partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("writing the NoLeaks HTML report in " + directory, e);
    }
  }

  /** The runs' files, by name; written by {@link Json}, so safe inside a {@code <script>}. */
  static List<String> runs(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      List<Path> runs =
          files
              .filter(
                  f ->
                      f.getFileName().toString().startsWith(SuiteRun.FILE_PREFIX)
                          && f.getFileName().toString().endsWith(".json"))
              .sorted()
              .toList();
      List<String> texts = new java.util.ArrayList<>();
      for (Path run : runs) {
        texts.add(Files.readString(run).replace("</", "<\\/"));
      }
      return texts;
    }
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
