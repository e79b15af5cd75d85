/**
 * The words both faces share: the {@link dev.noleaks.Check}s, the {@link dev.noleaks.LeakError}
 * that reports a leak, and the buffer pools and threads a snapshot holds. The JUnit face is {@code
 * dev.noleaks.junit}, the fluent assertions are {@code dev.noleaks.assertions}.
 */
package dev.noleaks;
