package dev.noleaks.agent;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.util.jar.JarFile;

/**
 * The agent's entry: {@code -javaagent:noleaks-agent.jar}. Loaded by the system class loader, it
 * only puts its own jar on the bootstrap class path (the JDK's classes call {@link Recorder}, so
 * the bootstrap loader must define it) and hands over to {@link Installation} there, by name: every
 * class of the agent is the bootstrap loader's from then on, this one alone excepted.
 */
public final class Agent {

  private Agent() {}

  /** Before {@code main}, from {@code -javaagent}. */
  public static void premain(String args, Instrumentation inst) throws Exception {
    agentmain(args, inst);
  }

  /** Attached to a running JVM. */
  public static void agentmain(String args, Instrumentation inst) throws Exception {
    File jar = new File(Agent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    inst.appendToBootstrapClassLoaderSearch(new JarFile(jar));
    Class.forName("dev.noleaks.agent.Installation", true, null)
        .getMethod("install", Instrumentation.class)
        .invoke(null, inst);
  }
}
