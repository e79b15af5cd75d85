package dev.noleaks.internal.measure;

import java.io.IOException;
import java.util.List;
import kotlin.sequences.Sequence;
import shark.CloseableHeapGraph;
import shark.GcRoot;
import shark.GraphContext;
import shark.HeapObject;

/**
 * A heap graph whose GC roots are only those whose object the dump holds. HotSpot can write a Java
 * frame root naming an object it did not dump (a local the garbage collector no longer counted);
 * shark 2.14 leaves such roots out where it enqueues roots itself, but not where it reads a
 * thread's locals as references from its {@code Thread} object, and the path search then ends in
 * "Object id … not found in heap dump" (square/leakcanary#2567; seen once in this project's CI on a
 * direct buffer finding, whose holder then went unnamed). Everything else is the dump's own graph.
 */
final class DumpedRootsGraph implements CloseableHeapGraph {

  private final CloseableHeapGraph graph;
  private final List<GcRoot> roots;

  DumpedRootsGraph(CloseableHeapGraph graph) {
    this.graph = graph;
    this.roots = graph.getGcRoots().stream().filter(r -> graph.objectExists(r.getId())).toList();
  }

  @Override
  public List<GcRoot> getGcRoots() {
    return roots;
  }

  @Override
  public int getIdentifierByteSize() {
    return graph.getIdentifierByteSize();
  }

  @Override
  public GraphContext getContext() {
    return graph.getContext();
  }

  @Override
  public int getObjectCount() {
    return graph.getObjectCount();
  }

  @Override
  public int getClassCount() {
    return graph.getClassCount();
  }

  @Override
  public int getInstanceCount() {
    return graph.getInstanceCount();
  }

  @Override
  public int getObjectArrayCount() {
    return graph.getObjectArrayCount();
  }

  @Override
  public int getPrimitiveArrayCount() {
    return graph.getPrimitiveArrayCount();
  }

  @Override
  public Sequence<HeapObject> getObjects() {
    return graph.getObjects();
  }

  @Override
  public Sequence<HeapObject.HeapClass> getClasses() {
    return graph.getClasses();
  }

  @Override
  public Sequence<HeapObject.HeapInstance> getInstances() {
    return graph.getInstances();
  }

  @Override
  public Sequence<HeapObject.HeapObjectArray> getObjectArrays() {
    return graph.getObjectArrays();
  }

  @Override
  public Sequence<HeapObject.HeapPrimitiveArray> getPrimitiveArrays() {
    return graph.getPrimitiveArrays();
  }

  @Override
  public HeapObject findObjectById(long id) {
    return graph.findObjectById(id);
  }

  @Override
  public HeapObject findObjectByIndex(int index) {
    return graph.findObjectByIndex(index);
  }

  @Override
  public HeapObject findObjectByIdOrNull(long id) {
    return graph.findObjectByIdOrNull(id);
  }

  @Override
  public HeapObject.HeapClass findClassByName(String className) {
    return graph.findClassByName(className);
  }

  @Override
  public boolean objectExists(long id) {
    return graph.objectExists(id);
  }

  @Override
  public int findHeapDumpIndex(long id) {
    return graph.findHeapDumpIndex(id);
  }

  @Override
  public HeapObject findObjectByHeapDumpIndex(int index) {
    return graph.findObjectByHeapDumpIndex(index);
  }

  @Override
  public void close() throws IOException {
    graph.close();
  }
}
