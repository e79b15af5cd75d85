package dev.noleaks.examples;

import java.util.function.Supplier;

/**
 * The "module" that {@link ClassLoaderExample} loads at run time from a jar of its own. It depends
 * on nothing but the JDK, so a loader whose parent is the platform loader can define it.
 */
public class GreetingPlugin implements Supplier<String> {

  @Override
  public String get() {
    return "hello from " + getClass().getClassLoader();
  }
}
