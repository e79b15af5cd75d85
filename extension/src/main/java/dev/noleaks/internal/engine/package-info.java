/**
 * The engine: one leak check from its baseline to its judgement, in a single run or repeated, and
 * what waits for the end of a class. Internal to NoLeaks, not API: anything here may change or
 * disappear without notice.
 */
package dev.noleaks.internal.engine;
