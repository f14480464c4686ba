// Internal to the PS-PDU codec (pspdu.cc, pspdu_payloads.cc): field helpers
// shared by the header and payload parts, and the payload entry points.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "handover/ber.h"
#include "handover/pspdu.h"

namespace rcds::handover::detail {

using ber::context;
using ber::context_constructed;

// Walks the fields of a constructed element: `on_field(element)` returns
// false to stop with `error` set. Fields outside the context class are
// skipped, as are numbers the callback does not know (it just returns true).
template <typename OnField>
bool for_each_field(const ber::Reader& parent, const ber::Element& element, std::string& error,
                    OnField&& on_field) {
  ber::Reader fields(ByteView{});
  if (!parent.enter(element, fields, error)) return false;
  ber::Element field;
  while (!fields.at_end()) {
    if (!fields.next(field, error)) return false;
    if (field.tag.tag_class != ber::TagClass::kContext) continue;
    if (!on_field(fields, field)) return false;
  }
  return true;
}

// The one alternative inside an explicitly tagged CHOICE.
inline bool choice_of(const ber::Reader& parent, const ber::Element& element, ber::Reader& inside,
                      ber::Element& chosen, std::string& error) {
  if (!parent.enter(element, inside, error)) return false;
  if (inside.at_end()) {
    error =
        "offset " + std::to_string(element.offset) + ": empty CHOICE " + ber::describe(element.tag);
    return false;
  }
  return inside.next(chosen, error);
}

inline UnknownElement unknown_of(const ber::Element& element) {
  return {element.tag, std::string(as_chars(element.contents))};
}

template <typename Enum>
bool read_enum(const ber::Element& element, Enum& value, std::string& error) {
  int64_t number = 0;
  if (!ber::read_integer(element, number, error)) return false;
  if (number < std::numeric_limits<int32_t>::min() ||
      number > std::numeric_limits<int32_t>::max()) {
    error = "offset " + std::to_string(element.offset) + ": ENUMERATED value out of range";
    return false;
  }
  value = static_cast<Enum>(number);
  return true;
}

template <typename Enum>
bool read_enum(const ber::Element& element, std::optional<Enum>& value, std::string& error) {
  return read_enum(element, value.emplace(), error);
}

inline bool read_string(const ber::Element& element, std::string& value, std::string& error) {
  std::string_view view;
  if (!ber::read_octets(element, view, error)) return false;
  value.assign(view);
  return true;
}

inline bool read_string(const ber::Element& element, std::optional<std::string>& value,
                        std::string& error) {
  return read_string(element, value.emplace(), error);
}

template <typename Unsigned>
bool read_count(const ber::Element& element, std::optional<Unsigned>& value, std::string& error) {
  uint64_t number = 0;
  if (!ber::read_unsigned(element, number, error)) return false;
  if (number > std::numeric_limits<Unsigned>::max()) {
    error = "offset " + std::to_string(element.offset) + ": INTEGER out of range";
    return false;
  }
  value = static_cast<Unsigned>(number);
  return true;
}

inline bool missing(const ber::Element& element, const char* what, std::string& error) {
  error = "offset " + std::to_string(element.offset) + ": " + ber::describe(element.tag) +
          " lacks " + what;
  return false;
}

template <typename Enum>
void write_enum(ber::Writer& writer, uint32_t number, Enum value) {
  writer.integer(context(number), static_cast<int64_t>(value));
}

void write_ip_address(ber::Writer& writer, uint32_t number, const EtsiIpAddress& address);
bool read_ip_address(const ber::Reader& parent, const ber::Element& element, EtsiIpAddress& address,
                     std::string& error);

// IRIPayload / CCPayload (the SEQUENCE elements of the payload sequences).
void encode_iri_payload(ber::Writer& writer, const IriPayload& iri);
void encode_cc_payload(ber::Writer& writer, const CcPayload& cc);
bool decode_iri_payload(const ber::Reader& parent, const ber::Element& element, IriPayload& iri,
                        std::string& error);
bool decode_cc_payload(const ber::Reader& parent, const ber::Element& element, CcPayload& cc,
                       std::string& error);

}  // namespace rcds::handover::detail
