package dev.noleaks.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a socket descriptor is, from the kernel's socket tables ({@code /proc/self/net/tcp}, {@code
 * tcp6}, {@code udp}, {@code udp6}, {@code unix}), keyed by the inode in its {@code socket:[N]}
 * target: {@code tcp 127.0.0.1:41234 → 127.0.0.1:8080 established}, {@code unix /tmp/.java_pid42}.
 * Read on demand (a few hundred microseconds), only for the sockets a check reports. Empty where
 * the tables cannot be read (not Linux).
 */
public final class Sockets {

  private static final Path NET = Path.of("/proc/self/net");

  /** TCP states by their number in the tables ({@code include/net/tcp_states.h}). */
  private static final String[] TCP_STATES = {
    "?",
    "established",
    "syn-sent",
    "syn-received",
    "fin-wait-1",
    "fin-wait-2",
    "time-wait",
    "close",
    "close-wait",
    "last-ack",
    "listening",
    "closing",
    "new-syn-received"
  };

  private Sockets() {}

  /** Every socket of the process's network namespace: inode to description. */
  public static Map<Long, String> table() {
    Map<Long, String> table = new HashMap<>();
    for (String protocol : List.of("tcp", "tcp6", "udp", "udp6")) {
      lines(protocol).forEach(line -> inet(protocol, line, table));
    }
    lines("unix").forEach(line -> unix(line, table));
    return table;
  }

  /** The inode of a {@code socket:[N]} target; -1 for any other target. */
  public static long inode(String target) {
    if (!target.startsWith("socket:[") || !target.endsWith("]")) {
      return -1;
    }
    try {
      return Long.parseLong(target.substring(8, target.length() - 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static List<String> lines(String table) {
    try {
      // byte for byte: a unix socket's path may be in any encoding
      List<String> lines =
          Files.readAllLines(NET.resolve(table), java.nio.charset.StandardCharsets.ISO_8859_1);
      return lines.isEmpty() ? lines : lines.subList(1, lines.size()); // the header
    } catch (IOException | SecurityException e) {
      return List.of();
    }
  }

  /**
   * {@code sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
   * …}; addresses are hex, in the kernel's byte order per 32-bit word.
   */
  static void inet(String protocol, String line, Map<Long, String> table) {
    String[] f = line.trim().split("\\s+");
    if (f.length < 10) {
      return;
    }
    try {
      long inode = Long.parseLong(f[9]);
      if (inode == 0) {
        return; // a connection no socket owns any more (time-wait)
      }
      int state = Integer.parseInt(f[3], 16);
      String local = address(f[1]);
      String remote = address(f[2]);
      boolean tcp = protocol.startsWith("tcp");
      String name = protocol.replace("6", "");
      String description =
          tcp && state == 10
              ? name + " listening on " + local
              : name
                  + " "
                  + local
                  + (remote.endsWith(":0") && !tcp ? "" : " → " + remote)
                  + (tcp && state < TCP_STATES.length ? " " + TCP_STATES[state] : "");
      table.put(inode, description);
    } catch (RuntimeException e) {
      // a line of a format this does not know: that socket stays undescribed
    }
  }

  /** {@code Num RefCount Protocol Flags Type St Inode [Path]}. */
  static void unix(String line, Map<Long, String> table) {
    String[] f = line.trim().split("\\s+", 8);
    if (f.length < 7) {
      return;
    }
    try {
      long inode = Long.parseLong(f[6]);
      String path = f.length == 8 ? f[7].trim() : "";
      table.put(inode, path.isEmpty() ? "unix (unnamed)" : "unix " + path);
    } catch (RuntimeException e) {
      // as above
    }
  }

  /** {@code 0100007F:1F90} → {@code 127.0.0.1:8080}; 32 hex digits for IPv6. */
  static String address(String hex) {
    int colon = hex.indexOf(':');
    String ip = hex.substring(0, colon);
    int port = Integer.parseInt(hex.substring(colon + 1), 16);
    if (ip.length() == 8) {
      return ipv4(ip, 0) + ":" + port;
    }
    if (ip.startsWith("0000000000000000FFFF0000")) { // ::ffff:a.b.c.d, an IPv4 peer
      return ipv4(ip, 24) + ":" + port;
    }
    StringBuilder b = new StringBuilder("[");
    for (int word = 0; word < 4; word++) {
      String w = ip.substring(word * 8, word * 8 + 8);
      // each 32-bit word is little-endian: bytes 3 2 1 0
      String bytes = w.substring(6, 8) + w.substring(4, 6) + w.substring(2, 4) + w.substring(0, 2);
      b.append(word == 0 ? "" : ":")
          .append(Integer.toHexString(Integer.parseInt(bytes.substring(0, 4), 16)))
          .append(':')
          .append(Integer.toHexString(Integer.parseInt(bytes.substring(4, 8), 16)));
    }
    return b.append("]:").append(port).toString().toLowerCase(Locale.ROOT);
  }

  private static String ipv4(String hex, int at) {
    // little-endian: the last byte pair is the first octet
    return Integer.parseInt(hex.substring(at + 6, at + 8), 16)
        + "."
        + Integer.parseInt(hex.substring(at + 4, at + 6), 16)
        + "."
        + Integer.parseInt(hex.substring(at + 2, at + 4), 16)
        + "."
        + Integer.parseInt(hex.substring(at, at + 2), 16);
  }
}
