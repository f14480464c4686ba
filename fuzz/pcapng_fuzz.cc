// libFuzzer harness for the pcapng reader on arbitrary bytes, parsed from
// memory (no file system, so it runs at full speed).
//
// Every byte of every packet is read, so ASan catches a view that points
// outside the input (libFuzzer's input buffer is exactly `size` bytes long).
// Invariants that trap on violation:
//   - packet data lies inside the input, captured <= wire length;
//   - the packet's interface exists, its block offset is inside the input,
//     4-byte aligned and strictly increasing, and the reader's offset never
//     moves backwards or past the end;
//   - kEnd and kError are sticky, and kError always comes with a message.
#include <cstddef>
#include <cstdint>

#include "capture/pcapng_reader.h"
#include "fuzz_check.h"

namespace {

using rcds::ByteView;
namespace capture = rcds::capture;

// Bounds the loop on inputs that are nothing but tiny packet blocks.
constexpr int kMaxPackets = 1 << 16;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView input(data, size);
  capture::PcapngReader reader(input, "fuzz");
  capture::RawPacket packet;
  capture::ReadStatus status = capture::ReadStatus::kPacket;
  uint32_t sum = 0;
  uint64_t previous_block = 0;
  uint64_t previous_offset = 0;
  bool first = true;
  for (int i = 0; i < kMaxPackets; ++i) {
    status = reader.next(packet);
    RCDS_FUZZ_CHECK("offset_monotonic",
                    reader.offset() >= previous_offset && reader.offset() <= size);
    previous_offset = reader.offset();
    if (status != capture::ReadStatus::kPacket) break;

    const ByteView bytes = packet.bytes();
    RCDS_FUZZ_CHECK("packet_in_input", rcds::fuzz::inside(bytes, input));
    RCDS_FUZZ_CHECK("captured_le_wire", packet.captured_length <= packet.wire_length);
    RCDS_FUZZ_CHECK("known_interface", packet.interface_id < reader.interface_count());
    RCDS_FUZZ_CHECK("block_offset", packet.file_offset < size && packet.file_offset % 4 == 0 &&
                                        (first || packet.file_offset > previous_block));
    previous_block = packet.file_offset;
    first = false;
    for (uint8_t byte : bytes) sum += byte;
    sum += static_cast<uint32_t>(packet.timestamp.ns) + packet.link_type;
  }
  if (status == capture::ReadStatus::kError) {
    RCDS_FUZZ_CHECK("error_message", !reader.error().empty());
    RCDS_FUZZ_CHECK("error_sticky", reader.next(packet) == capture::ReadStatus::kError);
  } else if (status == capture::ReadStatus::kEnd) {
    RCDS_FUZZ_CHECK("end_at_end", reader.offset() == size);
    RCDS_FUZZ_CHECK("end_sticky", reader.next(packet) == capture::ReadStatus::kEnd);
  }
  // Keeps the reads above from being optimised away.
  volatile uint32_t sink = sum;
  (void)sink;
  return 0;
}
