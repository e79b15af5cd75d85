package dev.noleaks.probe;

/**
 * One native thread of the process, from {@code /proc/self/task}.
 *
 * @param tid the kernel thread id
 * @param name the thread's {@code comm} name (at most 15 characters on Linux)
 */
public record NativeThread(int tid, String name) {}
