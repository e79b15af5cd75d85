package synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** 100 small arithmetic tests: big numbers, rounding, a checksum over a small array. */
class NumbersTest {
  static IntStream cases() {
    return IntStream.range(0, 100);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void computes(int n) {
    BigInteger factorial = BigInteger.ONE;
    for (int i = 2; i <= 20 + n % 30; i++) {
      factorial = factorial.multiply(BigInteger.valueOf(i));
    }
    assertEquals(0, factorial.mod(BigInteger.valueOf(20)).signum());
    BigDecimal third = BigDecimal.ONE.divide(BigDecimal.valueOf(3 + n), 20, RoundingMode.HALF_EVEN);
    assertEquals(20, third.scale());
    byte[] data = new byte[1024];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * n);
    }
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(data);
    assertEquals(crc.getValue(), checksum(data));
  }

  private static long checksum(byte[] data) {
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(data, 0, data.length);
    return crc.getValue();
  }
}
