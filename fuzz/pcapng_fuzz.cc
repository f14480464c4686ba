// libFuzzer harness for the pcapng reader: parses the input from memory
// (no file system) and touches every byte of every packet it returns, so
// ASan catches any view that points outside the input.
#include <cstddef>
#include <cstdint>

#include "capture/pcapng_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rcds::capture::PcapngReader reader(rcds::ByteView(data, size), "fuzz");
  rcds::capture::RawPacket packet;
  uint32_t sum = 0;
  while (reader.next(packet) == rcds::capture::ReadStatus::kPacket) {
    for (uint8_t byte : packet.bytes()) sum += byte;
    sum += static_cast<uint32_t>(packet.timestamp.ns) + packet.wire_length;
  }
  // Keeps the loop above from being optimised away.
  volatile uint32_t sink = sum;
  (void)sink;
  return 0;
}
