/**
 * The measuring stage: the meters (heap, native memory, descriptors, threads, buffers, class
 * histograms), settling before a reading, and the readings and their differences. Internal to
 * NoLeaks, not API: anything here may change or disappear without notice.
 */
package dev.noleaks.internal.measure;
