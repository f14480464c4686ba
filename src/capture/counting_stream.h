// A read-only stdio stream over a file that knows its position for free.
//
// libpcap reads classic pcap files through a FILE*. Error messages and
// RawPacket::file_offset need the offset of each record, and libpcap hides
// how many bytes it skipped when it cut a record longer than the snaplen.
// glibc's ftello() asks the kernel (lseek) on every call; on this stream it
// asks a counter instead, so the reader can afford it per packet. The stream
// also gets a large buffer: far fewer read() calls than stdio's 4 KiB.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

namespace rcds::capture {

// nullptr with `error` ("<path>: <reason>") on failure. glibc ignores the
// size given to setvbuf() unless the caller supplies the buffer, so it is
// returned in `buffer`, which must outlive the stream (fclose() first).
FILE* open_counting_stream(const std::string& path, std::unique_ptr<char[]>& buffer,
                           std::string& error);

}  // namespace rcds::capture
