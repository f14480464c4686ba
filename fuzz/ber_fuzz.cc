// libFuzzer harness for the ETSI handover decoder (handover/ber.h,
// handover/pspdu.h): the input once as one PS-PDU, and once as a TCP byte
// stream framed the way a LEMF receiver does (ETSI_HANDOVER.md §10).
//
// Invariants:
//   - a failed decode always says why, with an offset;
//   - whatever decodes re-encodes to bytes that decode to the same PDU, and
//     the per-warrant header template encodes them byte for byte alike;
//   - when the whole input decodes, frame_pdu frames exactly all of it;
//   - a framed PDU length is never 0 nor beyond the buffered bytes, and the
//     framed bytes are one complete element for the reader;
//   - a framing error says why.
// Seeds (fuzz/corpus/ber_fuzz): the ETSI_HANDOVER.md §11 PDUs and one PDU of
// every kind we emit, definite and indefinite, written by
// `RCDS_BER_SEED_DIR=fuzz/corpus/ber_fuzz build/dev/tests/handover/handover_pspdu_test`.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "fuzz_check.h"
#include "handover/ber.h"
#include "handover/pspdu.h"

namespace {

namespace ho = rcds::handover;

void check_pdu(rcds::ByteView input) {
  ho::PsPdu pdu;
  std::string error;
  if (!ho::decode(input, pdu, error)) {
    RCDS_FUZZ_CHECK("decode_error_says_where", error.find("offset ") != std::string::npos);
    return;
  }
  size_t length = 0;
  std::string frame_error;
  RCDS_FUZZ_CHECK("decodable_pdu_frames", ho::ber::frame_pdu(input, length, frame_error) ==
                                                  ho::ber::FrameStatus::kComplete &&
                                              length == input.size());

  std::string encoded;
  ho::encode(pdu, encoded);
  ho::PsPdu again;
  const bool ok = ho::decode(rcds::as_bytes(encoded), again, error);
  if (rcds::fuzz::tracing() && !ok) std::fprintf(stderr, "re-decode failed: %s\n", error.c_str());
  RCDS_FUZZ_CHECK("reencoded_pdu_decodes", ok);
  RCDS_FUZZ_CHECK("reencoded_pdu_same", !ok || again == pdu);

  ho::PduVariables variables;
  variables.cin = pdu.header.cin;
  variables.sequence_number = pdu.header.sequence_number;
  if (pdu.header.generalized_time) variables.generalized_time = *pdu.header.generalized_time;
  variables.microsecond_timestamp = pdu.header.microsecond_timestamp;
  // An empty GeneralizedTime is "absent" for the template: skip that case.
  if (!pdu.header.generalized_time || !pdu.header.generalized_time->empty()) {
    std::string templated;
    ho::HeaderTemplate(pdu.header).encode(variables, pdu.payload, templated);
    RCDS_FUZZ_CHECK("template_matches_encoder", templated == encoded);
  }
}

void check_stream(rcds::ByteView input) {
  rcds::ByteView rest = input;
  while (!rest.empty()) {
    size_t length = 0;
    std::string error;
    const auto status = ho::ber::frame_pdu(rest, length, error);
    if (status == ho::ber::FrameStatus::kNeedMore) break;
    if (status == ho::ber::FrameStatus::kError) {
      RCDS_FUZZ_CHECK("frame_error_says_why", !error.empty());
      rest = rest.subspan(1);  // resynchronise on a later 0x30, as a receiver would
      continue;
    }
    RCDS_FUZZ_CHECK("framed_length_in_bounds", length > 0 && length <= rest.size());
    const rcds::ByteView framed = rest.first(length);
    ho::ber::Reader reader(framed);
    ho::ber::Element element;
    RCDS_FUZZ_CHECK("framed_is_one_element", reader.next(element, error) && reader.at_end());
    ho::PsPdu pdu;
    (void)ho::decode(framed, pdu, error);
    rest = rest.subspan(length);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const rcds::ByteView input(data, size);
  check_pdu(input);
  check_stream(input);
  return 0;
}
