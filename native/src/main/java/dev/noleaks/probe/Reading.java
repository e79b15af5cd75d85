package dev.noleaks.probe;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * One meter's reading: either a value, or the reason the platform could not produce one.
 *
 * <p>A meter the platform cannot read is never reported as zero: callers must say "unavailable"
 * with the reason instead of passing as if they had measured.
 */
public sealed interface Reading<T> permits Reading.Available, Reading.Unavailable {

  /** A measured value. */
  record Available<T>(T value) implements Reading<T> {
    public Available {
      Objects.requireNonNull(value, "value");
    }
  }

  /** No value, and why (for example "mallinfo2 not found: musl or glibc {@literal <} 2.33"). */
  record Unavailable<T>(String reason) implements Reading<T> {
    public Unavailable {
      Objects.requireNonNull(reason, "reason");
    }
  }

  static <T> Reading<T> of(T value) {
    return new Available<>(value);
  }

  static <T> Reading<T> unavailable(String reason) {
    return new Unavailable<>(reason);
  }

  default boolean isAvailable() {
    return this instanceof Available;
  }

  default Optional<T> toOptional() {
    return this instanceof Available<T> available
        ? Optional.of(available.value())
        : Optional.empty();
  }

  /** The value; throws {@link IllegalStateException} with the reason when unavailable. */
  default T orElseThrow() {
    if (this instanceof Available<T> available) {
      return available.value();
    }
    throw new IllegalStateException("unavailable: " + ((Unavailable<T>) this).reason());
  }

  default <R> Reading<R> map(Function<? super T, ? extends R> mapper) {
    if (this instanceof Available<T> available) {
      return of(mapper.apply(available.value()));
    }
    return unavailable(((Unavailable<T>) this).reason());
  }

  /** The reason for an unavailable reading, empty when available. */
  default Optional<String> unavailableReason() {
    return this instanceof Unavailable<T> unavailable
        ? Optional.of(unavailable.reason())
        : Optional.empty();
  }
}
