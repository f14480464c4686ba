// Bounds-checked scanning of the small XML payloads of NS commands (ADL/RML/
// FQY `<ml>`, NOT/IPG `<NOTIFICATION>`, UUX/UBX `<Data>`, the OIM `Mail-Data`
// `<MD>`): no DOM, no allocation; every result is a view of the input.
#pragma once

#include <algorithm>
#include <string_view>

namespace rcds::proto::msnp::xml {

// The opening tag of the first element named `tag` at or after `from`, from
// its '<' to its '>' exclusive ("<ACTION url=\"a\"/" for <ACTION url="a"/>);
// "" when absent or unterminated. `at` (optional) receives its position.
inline std::string_view open_tag(std::string_view xml, std::string_view tag, size_t from = 0,
                                 size_t* at = nullptr) {
  size_t pos = from;
  while ((pos = xml.find('<', pos)) != std::string_view::npos) {
    const size_t name_end = pos + 1 + tag.size();
    if (name_end <= xml.size() && xml.substr(pos + 1, tag.size()) == tag &&
        (name_end == xml.size() || xml[name_end] == ' ' || xml[name_end] == '>' ||
         xml[name_end] == '/' || xml[name_end] == '\t')) {
      const size_t close = xml.find('>', name_end);
      if (close == std::string_view::npos) return {};
      if (at != nullptr) *at = pos;
      return xml.substr(pos, close - pos);
    }
    ++pos;
  }
  return {};
}

// The text between <tag ...> and the next </tag> after it, "" when absent
// or self-closing.
inline std::string_view element(std::string_view xml, std::string_view tag, size_t from = 0) {
  size_t at = 0;
  const std::string_view open = open_tag(xml, tag, from, &at);
  if (open.empty() || open.back() == '/') return {};
  const size_t start = at + open.size() + 1;
  size_t pos = start;
  while ((pos = xml.find("</", pos)) != std::string_view::npos) {
    if (xml.substr(pos + 2, tag.size()) == tag && pos + 2 + tag.size() < xml.size() &&
        xml[pos + 2 + tag.size()] == '>') {
      return xml.substr(start, pos - start);
    }
    pos += 2;
  }
  return {};
}

// The value of attribute `name="..."` (or '...') in one opening tag.
inline std::string_view attribute(std::string_view tag, std::string_view name) {
  size_t pos = 0;
  while ((pos = tag.find(name, pos)) != std::string_view::npos) {
    const bool starts = pos > 0 && (tag[pos - 1] == ' ' || tag[pos - 1] == '\t');
    const size_t eq = pos + name.size();
    if (starts && eq + 1 < tag.size() && tag[eq] == '=' &&
        (tag[eq + 1] == '"' || tag[eq + 1] == '\'')) {
      const char quote = tag[eq + 1];
      const size_t end = tag.find(quote, eq + 2);
      if (end == std::string_view::npos) return {};
      return tag.substr(eq + 2, end - eq - 2);
    }
    pos = eq;
  }
  return {};
}

// Calls `each(local, domain, tag)` for every <c n=".."> inside <d n=".."> of
// an <ml> payload (ADL/RML/FQY, §6); stops early when `each` returns false.
template <class F>
void for_each_ml_contact(std::string_view xml, F each) {
  size_t d = 0;
  while ((d = xml.find("<d ", d)) != std::string_view::npos) {
    const size_t d_end = xml.find('>', d);
    if (d_end == std::string_view::npos) return;
    const std::string_view domain = attribute(xml.substr(d, d_end - d), "n");
    const size_t close = std::min(xml.find("</d>", d_end), xml.size());
    size_t c = d_end;
    while ((c = xml.find("<c ", c)) != std::string_view::npos && c < close) {
      const size_t c_end = std::min(xml.find('>', c), close);
      const std::string_view tag = xml.substr(c, c_end - c);
      if (!each(attribute(tag, "n"), domain, tag)) return;
      c = c_end;
    }
    d = d_end;
  }
}

}  // namespace rcds::proto::msnp::xml
