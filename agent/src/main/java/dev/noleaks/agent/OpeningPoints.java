package dev.noleaks.agent;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * The JDK's narrow points that every descriptor Java code opens passes through, the same in JDK 17
 * and 25 (read in their sources), and the rewriting that hands each new descriptor to {@link
 * Recorder}. Each point is a call whose completion means a descriptor is open; the code right after
 * it records the {@code FileDescriptor} the call filled in. Method bodies change only (nothing is
 * added to a class), so classes already loaded can be retransformed, and no branch is added, so the
 * stack map frames stay as they are.
 *
 * <ul>
 *   <li>{@code FileInputStream}, {@code FileOutputStream}, {@code RandomAccessFile} (and so {@code
 *       ZipFile}, {@code JarFile}): after their native {@code open0}, the stream's {@code fd}.
 *   <li>{@code IOUtil.setfdVal(fd, n)}, called by {@code IOUtil.newFD} (every socket: {@code
 *       Socket}, {@code ServerSocket}, {@code SocketChannel}, {@code ServerSocketChannel}, {@code
 *       DatagramSocket}, {@code DatagramChannel}, Unix domain sockets, a selector's event fd) and
 *       by {@code PipeImpl} ({@code Pipe.open()}).
 *   <li>{@code JavaIOFileDescriptorAccess.set(fd, n)} in {@code UnixChannelFactory} ({@code
 *       FileChannel.open}, {@code Files.newByteChannel}, {@code newInputStream}, {@code
 *       newOutputStream}, {@code AsynchronousFileChannel}) and {@code ProcessImpl} (a process's
 *       pipes).
 *   <li>{@code Net.accept(fd, newfd, …)} and {@code UnixDomainSockets.accept(fd, newfd, …)} in
 *       {@code NioSocketImpl} ({@code ServerSocket.accept()}), {@code ServerSocketChannelImpl} and
 *       {@code UnixAsynchronousServerSocketChannelImpl}: {@code newfd}.
 * </ul>
 *
 * Not recorded: descriptors the JVM or native code open (jars on the class path, JNA), and those
 * with no {@code FileDescriptor} (a selector's epoll descriptor, a directory stream).
 */
final class OpeningPoints implements ClassFileTransformer {

  private static final String RECORDER = "dev/noleaks/agent/Recorder";
  private static final String FD = "Ljava/io/FileDescriptor;";

  /** The call after which the descriptor is open, and where that descriptor is. */
  private record Point(String owner, String name, String descriptor, boolean streamField) {
    boolean matches(String owner, String name, String descriptor) {
      return this.owner.equals(owner)
          && this.name.equals(name)
          && this.descriptor.equals(descriptor);
    }
  }

  private static final Point SET_FD_VAL =
      new Point("sun/nio/ch/IOUtil", "setfdVal", "(" + FD + "I)V", false);
  private static final Point ACCESS_SET =
      new Point("jdk/internal/access/JavaIOFileDescriptorAccess", "set", "(" + FD + "I)V", false);
  private static final Point NET_ACCEPT =
      new Point(
          "sun/nio/ch/Net", "accept", "(" + FD + FD + "[Ljava/net/InetSocketAddress;)I", false);
  private static final Point UNIX_ACCEPT =
      new Point(
          "sun/nio/ch/UnixDomainSockets", "accept", "(" + FD + FD + "[Ljava/lang/String;)I", false);

  /** The classes rewritten, by internal name, with the calls in them that open a descriptor. */
  static final Map<String, Set<Point>> POINTS =
      Map.ofEntries(
          Map.entry(
              "java/io/FileInputStream",
              Set.of(new Point("java/io/FileInputStream", "open0", "(Ljava/lang/String;)V", true))),
          Map.entry(
              "java/io/FileOutputStream",
              Set.of(
                  new Point("java/io/FileOutputStream", "open0", "(Ljava/lang/String;Z)V", true))),
          Map.entry(
              "java/io/RandomAccessFile",
              Set.of(
                  new Point("java/io/RandomAccessFile", "open0", "(Ljava/lang/String;I)V", true))),
          Map.entry("sun/nio/ch/IOUtil", Set.of(SET_FD_VAL)),
          Map.entry("sun/nio/ch/PipeImpl", Set.of(SET_FD_VAL)),
          Map.entry("sun/nio/fs/UnixChannelFactory", Set.of(ACCESS_SET)),
          Map.entry("java/lang/ProcessImpl", Set.of(ACCESS_SET)),
          Map.entry("sun/nio/ch/NioSocketImpl", Set.of(NET_ACCEPT)),
          Map.entry("sun/nio/ch/ServerSocketChannelImpl", Set.of(NET_ACCEPT, UNIX_ACCEPT)),
          Map.entry("sun/nio/ch/UnixAsynchronousServerSocketChannelImpl", Set.of(NET_ACCEPT)));

  /** How many calls were rewritten in each class, by class name: what this JDK got. */
  final Map<String, Integer> rewritten = new ConcurrentHashMap<>();

  /** Failures to rewrite a class, by class name (the class is then left as it was). */
  final Map<String, String> failed = new ConcurrentHashMap<>();

  @Override
  public byte[] transform(
      Module module,
      ClassLoader loader,
      String className,
      Class<?> classBeingRedefined,
      ProtectionDomain protectionDomain,
      byte[] classfileBuffer) {
    Set<Point> points = loader == null && className != null ? POINTS.get(className) : null;
    if (points == null) {
      return null;
    }
    try {
      ClassReader reader = new ClassReader(classfileBuffer);
      // COMPUTE_MAXS, not COMPUTE_FRAMES: that would load classes to merge types, inside a
      // transformation of java.base; nothing added branches, so the frames are unchanged
      ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
      int[] count = new int[1];
      reader.accept(new Rewriter(writer, className, points, count), 0);
      rewritten.put(className.replace('/', '.'), count[0]);
      return count[0] == 0 ? null : writer.toByteArray();
    } catch (Throwable e) { // NOPMD: a class the agent cannot rewrite is left as the JDK has it
      failed.put(className.replace('/', '.'), String.valueOf(e));
      return null;
    }
  }

  private static final class Rewriter extends ClassVisitor {
    private final String className;
    private final Set<Point> points;
    private final int[] count;

    Rewriter(ClassVisitor next, String className, Set<Point> points, int[] count) {
      super(Opcodes.ASM9, next);
      this.className = className;
      this.points = points;
      this.count = count;
    }

    @Override
    public MethodVisitor visitMethod(
        int access, String name, String descriptor, String signature, String[] exceptions) {
      MethodVisitor next = super.visitMethod(access, name, descriptor, signature, exceptions);
      return new MethodVisitor(Opcodes.ASM9, next) {
        @Override
        public void visitMethodInsn(
            int opcode, String owner, String name, String descriptor, boolean isInterface) {
          Point point = null;
          for (Point p : points) {
            if (p.matches(owner, name, descriptor)) {
              point = p;
            }
          }
          if (point == null) {
            super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
            return;
          }
          count[0]++;
          if (point.streamField()) {
            super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
            super.visitVarInsn(Opcodes.ALOAD, 0);
            super.visitFieldInsn(Opcodes.GETFIELD, className, "fd", FD);
            super.visitMethodInsn(Opcodes.INVOKESTATIC, RECORDER, "opened", "(" + FD + ")V", false);
            return;
          }
          // The descriptor is the call's last argument but one, and the last is one slot wide:
          // copy it under the slots the call takes, [.. (x) fd last] -> [.. fd (x) fd last].
          boolean oneBelow = opcode != Opcodes.INVOKESTATIC || descriptor.startsWith("(" + FD + FD);
          super.visitInsn(Opcodes.SWAP);
          super.visitInsn(oneBelow ? Opcodes.DUP_X2 : Opcodes.DUP_X1);
          super.visitInsn(Opcodes.SWAP);
          super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
          boolean returnsInt = descriptor.endsWith(")I");
          super.visitMethodInsn(
              Opcodes.INVOKESTATIC,
              RECORDER,
              "opened",
              returnsInt ? "(" + FD + "I)I" : "(" + FD + ")V",
              false);
        }
      };
    }
  }
}
