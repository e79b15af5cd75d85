package dev.noleaks.internal.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** What NoLeaks' own work allocated, counted once however it nests, and nothing else. */
class OwnWorkTest {

  private static final int MB = 1 << 20;

  static volatile Object sink;

  @Test
  void countsWhatTheWorkAllocatedOnceEvenNested() {
    long before = OwnWork.soFar();
    OwnWork.enter();
    try {
      sink = new byte[MB];
      OwnWork.enter();
      try {
        sink = new byte[MB];
      } finally {
        OwnWork.exit();
      }
    } finally {
      OwnWork.exit();
    }
    long counted = OwnWork.soFar() - before;
    // two arrays, their headers, and the few small objects of the calls themselves
    assertThat(counted).isBetween(2L * MB, 2L * MB + 64 * 1024);
  }

  @Test
  void leavesOutWhatOtherCodeAllocated() {
    long before = OwnWork.soFar();
    sink = new byte[4 * MB];
    assertThat(OwnWork.soFar() - before).isLessThan(64 * 1024);
  }

  @Test
  void aReadingInTheMiddleOfTheWorkCountsItsPartSoFar() {
    long before = OwnWork.soFar();
    long[] inTheMiddle = new long[1];
    OwnWork.enter();
    try {
      sink = new byte[MB];
      inTheMiddle[0] = OwnWork.soFar() - before;
      sink = new byte[MB];
    } finally {
      OwnWork.exit();
    }
    assertThat(inTheMiddle[0]).isBetween((long) MB, MB + 64 * 1024L);
    assertThat(OwnWork.soFar() - before).isGreaterThanOrEqualTo(2L * MB);
  }

  @Test
  void workThatThrowsIsCountedAndLeftClosed() {
    long before = OwnWork.soFar();
    assertThatThrownBy(
            () -> {
              OwnWork.enter();
              try {
                sink = new byte[MB];
                throw new IllegalStateException("the work's own");
              } finally {
                OwnWork.exit();
              }
            })
        .hasMessage("the work's own");
    assertThat(OwnWork.soFar() - before).isGreaterThanOrEqualTo(MB);
    long after = OwnWork.soFar();
    sink = new byte[MB];
    assertThat(OwnWork.soFar() - after).as("no work left open").isLessThan(64 * 1024);
  }
}
