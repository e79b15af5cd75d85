package dev.noleaks.examples.snippets;

// snippet:meta-annotation
import static java.lang.annotation.RetentionPolicy.RUNTIME;

import dev.noleaks.Check;
import dev.noleaks.junit.NoLeaks;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

@Retention(RUNTIME) // without it JUnit never sees @NoLeaks, and a leaky test passes
@Target({ElementType.TYPE, ElementType.METHOD})
@NoLeaks(checks = Check.DESCRIPTORS)
public @interface ChecksHandles {}
// end:meta-annotation
