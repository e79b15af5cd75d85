package dev.noleaks.examples;

import dev.noleaks.junit.NoLeaks;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.WeakHashMap;
import org.junit.jupiter.api.Test;

/**
 * Scenario 3 — a cache that grows without bound: a memo table in a static map that every request
 * adds to and nothing ever evicts. Each entry's key keeps a whole {@link Document} alive.
 *
 * <p>Two fixes, for two kinds of cache: a bounded LRU ({@link LinkedHashMap#removeEldestEntry})
 * when the entries are worth keeping a while, and a {@link WeakHashMap} when the cache only
 * describes objects that someone else owns, so an entry must not outlive its key.
 */
class CacheExample {

  /** 1,000 documents of 2 KB: 2 MB, well above the single-run heap tolerance (512 KB). */
  private static final int DOCUMENTS = 1_000;

  private static final int DOCUMENT_BYTES = 2_048;

  /** A document someone else owns; the cache only remembers a figure computed from it. */
  record Document(String name, byte[] body) {}

  private static final Map<Document, Integer> UNBOUNDED = new HashMap<>();

  /** At most 32 entries: the least recently used one goes when a 33rd arrives. */
  private static final Map<Document, Integer> LRU =
      Collections.synchronizedMap(
          new LinkedHashMap<>(64, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Document, Integer> eldest) {
              return size() > 32;
            }
          });

  /**
   * Entries go when their key is collected. The value must stay small and must not refer to the
   * key: a WeakHashMap holds values strongly until its next access expunges the cleared entries.
   */
  private static final Map<Document, Integer> WEAK =
      Collections.synchronizedMap(new WeakHashMap<>());

  static int wordCount(Document document, Map<Document, Integer> cache) {
    return cache.computeIfAbsent(document, d -> d.body().length / 6);
  }

  static void handleRequests(Map<Document, Integer> cache) {
    for (int i = 0; i < DOCUMENTS; i++) {
      Document document = new Document("doc-" + i, new byte[DOCUMENT_BYTES]);
      wordCount(document, cache);
    }
  }

  @Test
  @NoLeaks
  void leakyUnboundedCache() {
    handleRequests(UNBOUNDED);
  }

  @Test
  @NoLeaks
  void fixedBoundedLruCache() {
    handleRequests(LRU);
  }

  @Test
  @NoLeaks
  void fixedWeakKeyedCache() {
    handleRequests(WEAK);
  }
}
