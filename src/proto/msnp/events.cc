#include "proto/msnp/events.h"

namespace rcds::proto::msnp {

std::string_view event_name(const EventBody& body) {
  // Indexed like the EventBody alternatives; a static_assert keeps them in step.
  static constexpr std::string_view kNames[] = {
      "login_attempt",
      "login_result",
      "redirect",
      "logout",
      "presence",
      "personal_message",
      "contact",
      "sb_referral",
      "sb_invitation",
      "sb_call",
      "joined",
      "left",
      "message",
      "typing",
      "datacast",
      "file_invitation",
      "p2p",
      "login_profile",
      "msnftp",
      "anomaly",
      "file_data",
      "file_complete",
      "transfer_anomaly",
      "p2p_transport",
      "p2p_direct",
      "command_error",
      "delivery",
      "alert",
      "pager_message",
      "mail",
      "oim",
      "system_message",
      "group",
      "contact_property",
      "network_lookup",
      "user_notification",
  };
  static_assert(std::size(kNames) == std::variant_size_v<EventBody>);
  return kNames[body.index()];
}

std::string_view name_of(Logout::Reason reason) {
  switch (reason) {
    case Logout::Reason::kClientOut:
      return "client_out";
    case Logout::Reason::kOtherLocation:
      return "other_location";
    case Logout::Reason::kServerShutdown:
      return "server_shutdown";
    case Logout::Reason::kServerOut:
      return "server_out";
    case Logout::Reason::kConnectionClosed:
      return "connection_closed";
    case Logout::Reason::kConnectionLost:
      return "connection_lost";
  }
  return "";
}

std::string_view name_of(MsnftpTransfer::Stage stage) {
  switch (stage) {
    case MsnftpTransfer::Stage::kAuth:
      return "auth";
    case MsnftpTransfer::Stage::kSize:
      return "size";
    case MsnftpTransfer::Stage::kEnd:
      return "end";
    case MsnftpTransfer::Stage::kCancel:
      return "cancel";
  }
  return "";
}

std::string_view name_of(TransferAnomaly::Kind kind) {
  switch (kind) {
    case TransferAnomaly::Kind::kOverlap:
      return "file_overlap";
    case TransferAnomaly::Kind::kHole:
      return "file_hole";
    case TransferAnomaly::Kind::kTooManyFiles:
      return "file_table_full";
    case TransferAnomaly::Kind::kBadBlock:
      return "msnftp_bad_block";
    case TransferAnomaly::Kind::kSlpDropped:
      return "slp_dropped";
    case TransferAnomaly::Kind::kChunkedDropped:
      return "chunked_message_dropped";
    case TransferAnomaly::Kind::kP2pPacketTooLarge:
      return "p2p_packet_too_large";
    case TransferAnomaly::Kind::kP2pDuplicate:
      return "p2p_duplicate";
  }
  return "";
}

std::string_view name_of(ContactChange::Op op) {
  switch (op) {
    case ContactChange::Op::kListed:
      return "listed";
    case ContactChange::Op::kAdded:
      return "added";
    case ContactChange::Op::kRemoved:
      return "removed";
    case ContactChange::Op::kAddedBy:
      return "added_by";
  }
  return "";
}

std::string_view name_of(ParticipantJoined::How how) {
  switch (how) {
    case ParticipantJoined::How::kCaller:
      return "caller";
    case ParticipantJoined::How::kAnswered:
      return "answered";
    case ParticipantJoined::How::kAlreadyPresent:
      return "present";
    case ParticipantJoined::How::kJoined:
      return "joined";
  }
  return "";
}

std::string_view name_of(MailNotification::Kind kind) {
  switch (kind) {
    case MailNotification::Kind::kInitial:
      return "initial";
    case MailNotification::Kind::kNew:
      return "new";
    case MailNotification::Kind::kActivity:
      return "activity";
  }
  return "";
}

std::string_view name_of(ContactGroup::Op op) {
  switch (op) {
    case ContactGroup::Op::kListed:
      return "listed";
    case ContactGroup::Op::kAdded:
      return "added";
    case ContactGroup::Op::kRemoved:
      return "removed";
    case ContactGroup::Op::kRenamed:
      return "renamed";
  }
  return "";
}

}  // namespace rcds::proto::msnp
