/**
 * Fluent, AssertJ-style memory assertions for code and snapshots: start from {@link
 * dev.noleaks.assertions.MemoryAssertions}.
 */
package dev.noleaks.assertions;
