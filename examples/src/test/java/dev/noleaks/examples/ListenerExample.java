package dev.noleaks.examples;

import dev.noleaks.junit.NoLeaks;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Scenario 4 — a listener registered and never removed. The event source lives as long as the
 * application; every listener it holds keeps alive whatever the listener refers to — typically the
 * short-lived view or session that registered it.
 */
class ListenerExample {

  /** An application-wide event source, like a settings store or a message bus. */
  static final class PriceFeed {
    private final List<Consumer<Double>> listeners = new CopyOnWriteArrayList<>();

    /** Registers a listener; closing the returned subscription removes it. */
    AutoCloseable subscribe(Consumer<Double> listener) {
      listeners.add(listener);
      return () -> listeners.remove(listener);
    }

    void publish(double price) {
      listeners.forEach(l -> l.accept(price));
    }
  }

  /** A short-lived screen that shows the latest price. */
  static final class PriceView {
    private final double[] history;
    private double latest;

    PriceView(int historySize) {
      history = new double[historySize];
    }

    void show(double price) {
      latest = price;
      history[0] = price;
    }
  }

  private static final PriceFeed FEED = new PriceFeed();

  // --- leaky ---------------------------------------------------------------------------------

  /**
   * A screen opened, subscribed, and closed — but its listener stays in the feed, and with it the
   * whole view: 16 views with 64 KB of history each stay reachable (1 MB).
   */
  @Test
  @NoLeaks
  void leakyListenerKeepsItsViewAlive() throws Exception {
    for (int i = 0; i < 16; i++) {
      PriceView view = new PriceView(8_192);
      FEED.subscribe(view::show);
      FEED.publish(101.5);
      // missing: closing the subscription when the view closes
    }
  }

  /**
   * A small listener a run: a few dozen bytes, invisible to a single run. Repeated mode sees the
   * heap grow by the same amount on every run.
   */
  @Test
  @NoLeaks(repeat = 20, warmup = 5)
  void leakyListenerEveryRun() {
    PriceView view = new PriceView(1);
    FEED.subscribe(view::show);
    FEED.publish(99.0);
  }

  // --- fixed ---------------------------------------------------------------------------------

  @Test
  @NoLeaks
  void fixedListenerRemoved() throws Exception {
    for (int i = 0; i < 16; i++) {
      PriceView view = new PriceView(8_192);
      try (AutoCloseable subscription = FEED.subscribe(view::show)) {
        FEED.publish(101.5);
      }
    }
  }

  @Test
  @NoLeaks(repeat = 20, warmup = 5)
  void fixedListenerRemovedEveryRun() throws Exception {
    PriceView view = new PriceView(1);
    try (AutoCloseable subscription = FEED.subscribe(view::show)) {
      FEED.publish(99.0);
    }
  }
}
