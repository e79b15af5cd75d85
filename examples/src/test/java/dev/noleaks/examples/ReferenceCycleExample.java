package dev.noleaks.examples;

import static dev.noleaks.assertions.MemoryAssertions.assertThat;

import dev.noleaks.junit.NoLeaks;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Scenario 10 — reference cycles. In CPython a cycle defeats reference counting and waits for the
 * cycle collector (and, before Python 3.4, a cycle with a {@code __del__} was never freed). On the
 * JVM a cycle is not a leak: the collector traces from the roots, and objects no root reaches are
 * garbage however they refer to each other. What leaks is a path from a root — a static field, a
 * live thread — whether or not the objects form a cycle.
 */
class ReferenceCycleExample {

  /** A tree node that knows its parent: parent and children form cycles. */
  static final class Node {
    final Node parent;
    final List<Node> children = new ArrayList<>();
    final byte[] payload = new byte[1024];

    Node(Node parent) {
      this.parent = parent;
      if (parent != null) {
        parent.children.add(this);
      }
    }
  }

  /** Roots registered "for debugging", never unregistered. */
  private static final List<Node> DEBUG_ROOTS = new ArrayList<>();

  /** A parent with 2,000 children, every child pointing back: 2 MB of cycles. */
  static Node buildTree() {
    Node root = new Node(null);
    for (int i = 0; i < 2_000; i++) {
      new Node(root);
    }
    return root;
  }

  /** The cycles are still reachable from a static list: that path, not the cycles, is the leak. */
  @Test
  @NoLeaks
  void leakyCyclesReachableFromStaticField() {
    DEBUG_ROOTS.add(buildTree());
  }

  /** 2 MB of parent-child cycles, dropped: collected like any other garbage. */
  @Test
  @NoLeaks
  void fixedCyclesAreNotALeak() {
    Node root = buildTree();
    if (root.children.get(0).parent != root) {
      throw new AssertionError("not a cycle");
    }
  }

  /** The same, asked directly: the collector clears a weak reference to the dropped root. */
  @Test
  void fixedCyclesAreCollected() {
    WeakReference<Node> root = new WeakReference<>(buildTree());
    assertThat(root).isGarbageCollected();
  }
}
