package dev.noleaks.examples;

import static dev.noleaks.assertions.MemoryAssertions.assertThat;

import dev.noleaks.junit.NoLeaks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scenario 7 — a module loaded at run time and never unloaded: a plugin jar opened by a {@link
 * URLClassLoader} that nobody closes, the JVM's version of {@code LoadLibrary} without {@code
 * FreeLibrary}. The loader keeps the jar's descriptor open, and while the loader is reachable every
 * class it defined (and their static state) stays in memory.
 *
 * <p>Unloading takes both steps: {@link URLClassLoader#close()} releases the jar, and dropping
 * every reference to the loader, its classes and their instances lets the collector unload them.
 */
class ClassLoaderExample {

  /** Loaded plugins by name, kept for the life of the application. */
  private static final Map<String, ClassLoader> PLUGINS = new HashMap<>();

  @TempDir Path dir;

  private Path jar;

  /** Builds {@code greeting-plugin.jar} holding {@link GreetingPlugin}'s class file. */
  @BeforeEach
  void buildPluginJar() throws IOException {
    String entry = GreetingPlugin.class.getName().replace('.', '/') + ".class";
    jar = dir.resolve("greeting-plugin.jar");
    try (InputStream classFile = GreetingPlugin.class.getResourceAsStream("/" + entry);
        OutputStream out = Files.newOutputStream(jar);
        JarOutputStream jarOut = new JarOutputStream(out)) {
      jarOut.putNextEntry(new JarEntry(entry));
      classFile.transferTo(jarOut);
      jarOut.closeEntry();
    }
  }

  /**
   * A loader that sees the JDK and the plugin jar, not the application's class path: it defines its
   * own {@code GreetingPlugin} class from the jar.
   */
  private URLClassLoader pluginLoader() throws IOException {
    return new URLClassLoader(
        "greeting-plugin", new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
  }

  @SuppressWarnings("unchecked")
  static String greet(ClassLoader loader) throws ReflectiveOperationException {
    Class<?> type = loader.loadClass(GreetingPlugin.class.getName());
    return ((Supplier<String>) type.getDeclaredConstructor().newInstance()).get();
  }

  // --- leaky ---------------------------------------------------------------------------------

  @Test
  @NoLeaks
  void leakyLoaderNeverClosed() throws Exception {
    URLClassLoader loader = pluginLoader();
    greet(loader);
    PLUGINS.put("greeting", loader); // never closed, never removed
  }

  /** Unloading asked directly: the registry still holds the loader, so it is never collected. */
  @Test
  void leakyLoaderNeverUnloaded() throws Exception {
    URLClassLoader loader = pluginLoader();
    greet(loader);
    PLUGINS.put("greeting-2", loader);
    assertThat(new WeakReference<ClassLoader>(loader))
        .within(Duration.ofSeconds(1))
        .isGarbageCollected();
  }

  // --- fixed ---------------------------------------------------------------------------------

  @Test
  @NoLeaks
  void fixedLoaderClosedAndDropped() throws Exception {
    try (URLClassLoader loader = pluginLoader()) {
      greet(loader);
    }
  }

  /**
   * Closed and dropped, the loader and the classes it defined are collected: the module is gone.
   */
  @Test
  void fixedLoaderUnloaded() throws Exception {
    assertThat(useAndClosePlugin()).isGarbageCollected();
  }

  /**
   * Loads, uses and closes the plugin in a frame of its own: an interpreted frame keeps its local
   * variables reachable until it returns, so the test's own frame must never hold the loader.
   */
  private WeakReference<ClassLoader> useAndClosePlugin() throws Exception {
    try (URLClassLoader loader = pluginLoader()) {
      greet(loader);
      return new WeakReference<>(loader);
    }
  }
}
