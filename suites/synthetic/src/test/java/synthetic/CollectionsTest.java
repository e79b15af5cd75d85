package synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** 100 small collection tests: sort, group, count. */
class CollectionsTest {
  static IntStream cases() {
    return IntStream.range(0, 100);
  }

  @ParameterizedTest
  @MethodSource("cases")
  void sortsAndGroups(int n) {
    List<Integer> values = new ArrayList<>();
    for (int i = 0; i < 200 + n; i++) {
      values.add((i * 7919 + n) % 1000);
    }
    Collections.sort(values);
    for (int i = 1; i < values.size(); i++) {
      assertEquals(true, values.get(i - 1) <= values.get(i));
    }
    Map<Integer, Integer> byDigit = new HashMap<>();
    values.forEach(v -> byDigit.merge(v % 10, 1, Integer::sum));
    assertEquals(values.size(), byDigit.values().stream().mapToInt(Integer::intValue).sum());
    assertEquals(values.size(), new TreeMap<>(Map.of(0, values.size())).firstEntry().getValue());
  }
}
