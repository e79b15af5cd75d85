package dev.noleaks.internal.judge;

import dev.noleaks.internal.measure.OpenSites;
import dev.noleaks.probe.Descriptor;
import dev.noleaks.probe.Sockets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A descriptor a finding names, with what the kernel's tables said its socket was when it was
 * judged ({@code tcp 127.0.0.1:41234 → 127.0.0.1:8080 established}), and where it was opened when
 * the NoLeaks agent recorded it; both read then, because a socket's state changes, a closed one
 * leaves the tables and a closed descriptor's site is forgotten.
 *
 * @param descriptor the descriptor
 * @param socket what the socket is, for a socket the tables listed
 * @param openedAt where it was opened, with the agent
 */
public record OpenDescriptor(
    Descriptor descriptor, Optional<String> socket, Optional<OpenSites.Site> openedAt) {

  /**
   * {@code descriptors}, their sockets looked up in the kernel's tables now (once for all) and
   * their sites in the agent's records.
   */
  public static List<OpenDescriptor> of(List<Descriptor> descriptors) {
    Map<Long, String> sockets =
        descriptors.stream().anyMatch(d -> d.kind() == Descriptor.Kind.SOCKET)
            ? Sockets.table()
            : Map.of();
    return descriptors.stream()
        .map(
            d ->
                new OpenDescriptor(
                    d,
                    Optional.ofNullable(sockets.get(Sockets.inode(d.target()))),
                    OpenSites.of(d.fd())))
        .toList();
  }
}
