package dev.noleaks.bench;

import dev.noleaks.probe.Descriptor;
import dev.noleaks.probe.MallocInfo;
import dev.noleaks.probe.MallocStats;
import dev.noleaks.probe.NativeThread;
import dev.noleaks.probe.Probe;
import dev.noleaks.probe.Reading;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of each probe reading on this machine. Targets: a {@code mallinfo2} reading at most 20 µs, a
 * listing of about 20 descriptors at most 200 µs, {@code malloc_info} with parsing at most 1 ms.
 *
 * <p>{@code mallinfo2} and {@code malloc_info} walk every free chunk of every arena, so their cost
 * grows with the number of free chunks (fragmentation), not with the heap's size.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ProbeBenchmark {

  private Probe probe;

  @Setup
  public void setUp() {
    probe = Probe.current();
    if (!probe.malloc().isAvailable()) {
      throw new IllegalStateException("probe unavailable here: " + probe.malloc());
    }
  }

  @Benchmark
  public Reading<MallocStats> mallinfo2() {
    return probe.malloc();
  }

  @Benchmark
  public Reading<MallocInfo> mallocInfoParsed() {
    return probe.mallocInfo();
  }

  @Benchmark
  public Reading<List<Descriptor>> descriptors() {
    return probe.descriptors();
  }

  @Benchmark
  public Reading<List<NativeThread>> nativeThreads() {
    return probe.nativeThreads();
  }

  @Benchmark
  public Reading<Integer> nativeThreadCount() {
    return probe.nativeThreadCount();
  }

  @Benchmark
  public Reading<Long> residentBytes() {
    return probe.residentBytes();
  }
}
