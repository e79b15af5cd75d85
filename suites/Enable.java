import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Switches NoLeaks on suite-wide in a Maven project exactly as README.md and
 * docs/configuration.md tell a user: the test-scoped dependency, an empty {@code argLine}
 * property, Surefire's argLine {@code @{argLine} ... -XX:NativeMemoryTracking=summary
 * --enable-native-access=ALL-UNNAMED} (the project's own argLine kept), and the two lines in
 * src/test/resources/junit-platform.properties. Only the top-level build/plugins is edited
 * (profiles and pluginManagement stay as they are).
 *
 * <p>Usage: {@code java Enable.java PROJECT_DIR NOLEAKS_VERSION [no-nmt]}; {@code no-nmt} leaves
 * {@code -XX:NativeMemoryTracking=summary} out, as a user who adds the dependency and no flag.
 */
public class Enable {
  static final String NMT = "-XX:NativeMemoryTracking=summary ";
  static final String ACCESS = "--enable-native-access=ALL-UNNAMED";

  public static void main(String[] args) throws Exception {
    Path project = Path.of(args[0]);
    String version = args[1];
    Path pom = project.resolve("pom.xml");
    Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    Element root = doc.getDocumentElement();

    Element properties = child(root, "properties").orElseGet(() -> add(root, "properties", null));
    if (child(properties, "argLine").isEmpty()) {
      add(properties, "argLine", ""); // lets @{argLine} resolve when no agent sets it
    }

    Element dependencies =
        child(root, "dependencies").orElseGet(() -> add(root, "dependencies", null));
    Element dependency = add(dependencies, "dependency", null);
    add(dependency, "groupId", "dev.noleaks");
    add(dependency, "artifactId", "noleaks-junit");
    add(dependency, "version", version);
    add(dependency, "scope", "test");

    Element build = child(root, "build").orElseGet(() -> add(root, "build", null));
    Element plugins = child(build, "plugins").orElseGet(() -> add(build, "plugins", null));
    Element surefire = surefire(plugins);
    Element configuration =
        child(surefire, "configuration").orElseGet(() -> add(surefire, "configuration", null));
    Element argLine = child(configuration, "argLine").orElseGet(() -> add(configuration, "argLine", ""));
    String own = argLine.getTextContent().trim();
    argLine.setTextContent(
        (own.contains("@{argLine}") ? own : ("@{argLine} " + own).trim())
            + " "
            + (args.length > 2 && args[2].equals("no-nmt") ? "" : NMT)
            + ACCESS);

    var out = TransformerFactory.newInstance().newTransformer();
    out.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
    out.transform(new DOMSource(doc), new StreamResult(pom.toFile()));

    Path platform = project.resolve("src/test/resources/junit-platform.properties");
    Files.createDirectories(platform.getParent());
    Files.writeString(
        platform,
        "\njunit.jupiter.extensions.autodetection.enabled=true\nnoleaks.scope=all\n",
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    System.out.println("suites: NoLeaks " + version + " enabled in " + pom + ": argLine " + argLine.getTextContent());
  }

  static Element surefire(Element plugins) {
    for (Node n = plugins.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element plugin
          && child(plugin, "artifactId").map(a -> a.getTextContent().trim()).orElse("")
              .equals("maven-surefire-plugin")) {
        return plugin;
      }
    }
    Element plugin = add(plugins, "plugin", null);
    add(plugin, "groupId", "org.apache.maven.plugins");
    add(plugin, "artifactId", "maven-surefire-plugin");
    return plugin;
  }

  static Optional<Element> child(Element parent, String name) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(name)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  static Element add(Element parent, String name, String text) {
    Element e = parent.getOwnerDocument().createElement(name);
    if (text != null) {
      e.setTextContent(text);
    }
    parent.appendChild(e);
    return e;
  }
}
