package dev.noleaks.agent;

import java.io.FileDescriptor;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The agent's installation, loaded by the bootstrap class loader like {@link Recorder}: lets {@code
 * java.base} read the recorder's module and opens {@code java.io} to it (so users need no {@code
 * --add-opens}), then rewrites the JDK's opening points, retransforming those already loaded. Its
 * state is here, not in {@link Agent}: code that names these classes gets the bootstrap loader's.
 */
public final class Installation {

  private static volatile OpeningPoints points;
  private static volatile long startupNanos = -1;

  private Installation() {}

  /** Installs the agent, once; called by {@link Agent} from the bootstrap class path. */
  public static synchronized void install(Instrumentation inst) throws Exception {
    if (points != null) {
      return;
    }
    long start = System.nanoTime();
    Class<?> recorder = Recorder.class;
    Module base = Object.class.getModule();
    inst.redefineModule(
        base,
        Set.of(recorder.getModule()),
        Map.of(),
        Map.of(FileDescriptor.class.getPackageName(), Set.of(recorder.getModule())),
        Set.of(),
        Map.of());
    Recorder.install();
    OpeningPoints transformer = new OpeningPoints();
    inst.addTransformer(transformer, true);
    List<Class<?>> loaded = new ArrayList<>();
    for (Class<?> c : inst.getAllLoadedClasses()) {
      if (c.getClassLoader() == null
          && OpeningPoints.POINTS.containsKey(c.getName().replace('.', '/'))) {
        loaded.add(c);
      }
    }
    if (!loaded.isEmpty()) {
      inst.retransformClasses(loaded.toArray(new Class<?>[0]));
    }
    points = transformer;
    startupNanos = System.nanoTime() - start;
  }

  /**
   * What this JDK got: how many opening calls were rewritten in each class loaded so far (a class
   * loaded later is rewritten when it loads), and the classes that could not be rewritten.
   */
  public static Map<String, Object> report() {
    Map<String, Object> report = new TreeMap<>();
    OpeningPoints p = points;
    if (p != null) {
      report.putAll(p.rewritten);
      p.failed.forEach((c, why) -> report.put(c, why));
    }
    return report;
  }

  /** The classes whose opening calls the agent rewrites, by binary name. */
  public static Set<String> classes() {
    Set<String> classes = new java.util.TreeSet<>();
    OpeningPoints.POINTS.keySet().forEach(c -> classes.add(c.replace('/', '.')));
    return classes;
  }

  /** How long installing took (opening the module, retransforming the classes loaded), in ns. */
  public static long startupNanos() {
    return startupNanos;
  }
}
