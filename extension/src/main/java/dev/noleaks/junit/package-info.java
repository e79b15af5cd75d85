/**
 * The JUnit Jupiter face: {@link dev.noleaks.junit.NoLeaks} on a test or a class, and the extension
 * that runs the check around it.
 */
package dev.noleaks.junit;
