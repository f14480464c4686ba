#include "capture/bpf_filter.h"

#include <utility>

#include "capture/link_type.h"

namespace rcds::capture {

BpfFilter::BpfFilter(std::string expression, int snaplen)
    : expression_(std::move(expression)), snaplen_(snaplen) {}

BpfFilter::~BpfFilter() {
  for (Program& p : programs_) pcap_freecode(&p.code);
}

bool BpfFilter::prepare(uint32_t link_type, std::string& error) {
  return !enabled() || find_or_compile(link_type, error) != nullptr;
}

const BpfFilter::Program* BpfFilter::find_or_compile(uint32_t link_type, std::string& error) {
  if (last_ < programs_.size() && programs_[last_].link_type == link_type) {
    return &programs_[last_];
  }
  for (size_t i = 0; i < programs_.size(); ++i) {
    if (programs_[i].link_type == link_type) {
      last_ = i;
      return &programs_[i];
    }
  }
  const int dlt = dlt_from_linktype(link_type);
  pcap_t* dead = pcap_open_dead(dlt, snaplen_);
  if (dead == nullptr) {
    error = "BPF filter \"" + expression_ + "\": cannot open a pcap handle for link type " +
            std::to_string(link_type);
    return nullptr;
  }
  Program program{link_type, {}};
  if (pcap_compile(dead, &program.code, expression_.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    const char* name = pcap_datalink_val_to_name(dlt);
    error = "BPF filter \"" + expression_ + "\" does not compile for link type " +
            std::to_string(link_type) + (name != nullptr ? std::string(" (") + name + ")" : "") +
            ": " + pcap_geterr(dead);
    pcap_close(dead);
    return nullptr;
  }
  pcap_close(dead);
  programs_.push_back(program);
  last_ = programs_.size() - 1;
  return &programs_.back();
}

BpfFilter::Verdict BpfFilter::check(const RawPacket& packet, std::string& error) {
  if (!enabled()) return Verdict::kAccept;
  const Program* program = find_or_compile(packet.link_type, error);
  if (program == nullptr) return Verdict::kError;
  pcap_pkthdr header{};
  header.caplen = packet.captured_length;
  header.len = packet.wire_length;
  return pcap_offline_filter(&program->code, &header, packet.data) != 0 ? Verdict::kAccept
                                                                        : Verdict::kReject;
}

}  // namespace rcds::capture
