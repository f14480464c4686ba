#include "intercept/record.h"

namespace rcds::intercept {

std::string_view name_of(RecordKind kind) {
  switch (kind) {
    case RecordKind::kIriBegin:
      return "iri-begin";
    case RecordKind::kIriContinue:
      return "iri-continue";
    case RecordKind::kIriEnd:
      return "iri-end";
    case RecordKind::kIriReport:
      return "iri-report";
    case RecordKind::kCc:
      return "cc";
  }
  return "";
}

std::string_view name_of(PayloadDirection direction) {
  switch (direction) {
    case PayloadDirection::kUnknown:
      return "unknown";
    case PayloadDirection::kFromTarget:
      return "from-target";
    case PayloadDirection::kToTarget:
      return "to-target";
  }
  return "";
}

std::string_view name_of(ContentKind kind) {
  switch (kind) {
    case ContentKind::kNone:
      return "none";
    case ContentKind::kMessage:
      return "message";
    case ContentKind::kFile:
      return "file";
    case ContentKind::kIpPacket:
      return "ip-packet";
  }
  return "";
}

std::string_view name_of(Party::Role role) {
  switch (role) {
    case Party::Role::kOriginator:
      return "originator";
    case Party::Role::kRecipient:
      return "recipient";
    case Party::Role::kParticipant:
      return "participant";
  }
  return "";
}

std::string_view name_of(WarrantNotice::Kind kind) {
  switch (kind) {
    case WarrantNotice::Kind::kActivated:
      return "activated";
    case WarrantNotice::Kind::kModified:
      return "modified";
    case WarrantNotice::Kind::kDeactivated:
      return "deactivated";
  }
  return "";
}

}  // namespace rcds::intercept
