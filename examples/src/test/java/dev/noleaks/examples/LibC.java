package dev.noleaks.examples;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The C library's allocator, declared the way ctypes users declare {@code windll.kernel32}: an
 * interface with only the functions the code calls. {@code malloc}/{@code free} play the part of
 * Win32's {@code LocalAlloc}/{@code LocalFree}: memory the garbage collector knows nothing about.
 */
interface LibC extends Library {

  LibC INSTANCE = Native.load(Platform.C_LIBRARY_NAME, LibC.class);

  Pointer malloc(long size);

  void free(Pointer block);
}
