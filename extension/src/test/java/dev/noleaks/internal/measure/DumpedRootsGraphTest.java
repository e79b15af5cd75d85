package dev.noleaks.internal.measure;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import shark.ApplicationLeak;
import shark.CloseableHeapGraph;
import shark.FilteringLeakingObjectFinder;
import shark.GcRoot;
import shark.HeapAnalysis;
import shark.HeapAnalysisFailure;
import shark.HeapAnalyzer;
import shark.HprofHeader;
import shark.HprofHeapGraph;
import shark.HprofRecord;
import shark.HprofRecord.HeapDumpRecord.GcRootRecord;
import shark.HprofRecord.HeapDumpRecord.ObjectRecord.ClassDumpRecord;
import shark.HprofRecord.HeapDumpRecord.ObjectRecord.ClassDumpRecord.StaticFieldRecord;
import shark.HprofRecord.HeapDumpRecord.ObjectRecord.InstanceDumpRecord;
import shark.HprofRecordTag;
import shark.HprofVersion;
import shark.HprofWriter;
import shark.MetadataExtractor;
import shark.ValueHolder;

/**
 * A dump whose thread has a Java frame root naming an object the dump does not hold, as HotSpot
 * wrote once in this project's CI: shark alone fails on it, with the roots the dump holds the path
 * is found.
 */
class DumpedRootsGraphTest {

  private static final long OBJECT = 100;
  private static final long THREAD = 101;
  private static final long HOLDER = 102;
  private static final long LEAKED = 103;
  private static final long A_THREAD = 1000;
  private static final long HELD = 1001;
  private static final long UNREACHABLE = 1002;
  private static final long NOT_IN_THE_DUMP = 9999;
  private static final int REFERENCE = 2;

  @Test
  void aFrameRootNamingAnObjectNotInTheDumpIsLeftOut(@TempDir Path directory) throws IOException {
    File dump = directory.resolve("stale-local.hprof").toFile();
    write(dump);

    List<ApplicationLeak> groups = HeapPaths.groups(dump, HeapPaths.Target.of("Leaked", 1));

    assertThat(groups).hasSize(1);
    assertThat(groups.get(0).getLeakTraces().get(0).toSimplePathString()).contains("Holder.held");
  }

  @Test
  void sharkAloneFailsOnThatDump(@TempDir Path directory) throws IOException {
    File dump = directory.resolve("stale-local.hprof").toFile();
    write(dump);

    HeapAnalysis analysis;
    try (CloseableHeapGraph graph =
        HprofHeapGraph.Companion.openHeapGraph(dump, null, EnumSet.allOf(HprofRecordTag.class))) {
      analysis =
          new HeapAnalyzer(step -> {})
              .analyze(
                  dump,
                  graph,
                  new FilteringLeakingObjectFinder(
                      List.of(o -> o.getObjectId() == HELD || o.getObjectId() == UNREACHABLE)),
                  List.of(),
                  false,
                  List.of(),
                  MetadataExtractor.Companion.getNO_OP());
    }

    // when a shark release reads a thread's locals only for objects the dump holds, this fails
    // and DumpedRootsGraph can go
    assertThat(analysis).isInstanceOf(HeapAnalysisFailure.class);
    assertThat(((HeapAnalysisFailure) analysis).getException())
        .hasStackTraceContaining("Object id " + NOT_IN_THE_DUMP + " not found in heap dump");
  }

  /**
   * A thread whose only local is not in the dump, a class whose static field holds one {@code
   * Leaked}, and a second {@code Leaked} nothing holds (so the search visits every root).
   */
  private static void write(File file) {
    List<String> names = List.of("java/lang/Object", "java/lang/Thread", "Holder", "Leaked");
    long[] classes = {OBJECT, THREAD, HOLDER, LEAKED};
    long heldName = names.size() + 1;
    try (HprofWriter writer =
        HprofWriter.Companion.openWriterFor(
            file, new HprofHeader(System.currentTimeMillis(), HprofVersion.JDK_6, 8))) {
      for (int i = 0; i < names.size(); i++) {
        writer.write(new HprofRecord.StringRecord(i + 1, names.get(i)));
        writer.write(new HprofRecord.LoadClassRecord(i + 1, classes[i], 0, i + 1));
      }
      writer.write(new HprofRecord.StringRecord(heldName, "held"));
      for (long id : classes) {
        List<StaticFieldRecord> statics =
            id == HOLDER
                ? List.of(
                    new StaticFieldRecord(
                        heldName, REFERENCE, new ValueHolder.ReferenceHolder(HELD)))
                : List.of();
        writer.write(
            new ClassDumpRecord(id, 0, id == OBJECT ? 0 : OBJECT, 0, 0, 0, 0, statics, List.of()));
      }
      writer.write(new InstanceDumpRecord(A_THREAD, 0, THREAD, new byte[0]));
      writer.write(new InstanceDumpRecord(HELD, 0, LEAKED, new byte[0]));
      writer.write(new InstanceDumpRecord(UNREACHABLE, 0, LEAKED, new byte[0]));
      writer.write(new GcRootRecord(new GcRoot.ThreadObject(A_THREAD, 1, 0)));
      writer.write(new GcRootRecord(new GcRoot.JavaFrame(NOT_IN_THE_DUMP, 1, -1)));
      writer.write(new GcRootRecord(new GcRoot.StickyClass(HOLDER)));
    }
  }
}
