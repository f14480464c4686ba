#include "handover/delivery.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <optional>

namespace rcds::handover {
namespace {

using Clock = std::chrono::steady_clock;

int ms_until(Clock::time_point when, Clock::time_point now) {
  if (when <= now) return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(when - now).count();
  return static_cast<int>(std::min<int64_t>(ms, 3'600'000));
}

std::string tls_error_text() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text.empty() ? "unknown TLS error" : text;
}

// "host:port" or "[v6]:port".
bool split_address(const std::string& address, std::string& host, std::string& port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) return false;
  host = address.substr(0, colon);
  port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return !host.empty();
}

bool is_ip_literal(const std::string& host) {
  in6_addr v6{};
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 || inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

}  // namespace

// A connected socket, optionally wrapped in TLS; non-blocking I/O.
class Deliverer::Connection {
 public:
  enum class Io : uint8_t { kOk, kWouldBlock, kClosed, kError };
  ~Connection() { close(); }
  void close() {
    if (ssl_ != nullptr) SSL_free(ssl_);  // no close_notify: the peer may be gone
    ssl_ = nullptr;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }
  bool wants_write() const { return wants_write_; }

  Io send(const char* data, size_t size, size_t& sent, std::string& error) {
    sent = 0;
    if (ssl_ == nullptr) {
      ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
      if (n >= 0) {
        sent = static_cast<size_t>(n);
        return Io::kOk;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return Io::kWouldBlock;
      error = std::string("send: ") + std::strerror(errno);
      return Io::kError;
    }
    ERR_clear_error();
    int n = SSL_write(ssl_, data, static_cast<int>(std::min<size_t>(size, 1 << 30)));
    if (n > 0) {
      sent = static_cast<size_t>(n);
      return Io::kOk;
    }
    return tls_status(n, error, "TLS send");
  }

  Io receive(char* buffer, size_t size, size_t& received, std::string& error) {
    received = 0;
    if (ssl_ == nullptr) {
      ssize_t n = ::recv(fd_, buffer, size, 0);
      if (n > 0) {
        received = static_cast<size_t>(n);
        return Io::kOk;
      }
      if (n == 0) return Io::kClosed;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return Io::kWouldBlock;
      error = std::string("receive: ") + std::strerror(errno);
      return Io::kError;
    }
    ERR_clear_error();
    wants_write_ = false;
    int n = SSL_read(ssl_, buffer, static_cast<int>(std::min<size_t>(size, 1 << 30)));
    if (n > 0) {
      received = static_cast<size_t>(n);
      return Io::kOk;
    }
    return tls_status(n, error, "TLS receive");
  }

  int fd_ = -1;
  SSL* ssl_ = nullptr;

 private:
  Io tls_status(int result, std::string& error, const char* what) {
    switch (SSL_get_error(ssl_, result)) {
      case SSL_ERROR_WANT_READ:
        return Io::kWouldBlock;
      case SSL_ERROR_WANT_WRITE:
        wants_write_ = true;
        return Io::kWouldBlock;
      case SSL_ERROR_ZERO_RETURN:
        return Io::kClosed;
      case SSL_ERROR_SYSCALL:
        if (errno == 0 || errno == EPIPE || errno == ECONNRESET) return Io::kClosed;
        error = std::string(what) + ": " + std::strerror(errno);
        return Io::kError;
      default:
        error = std::string(what) + ": " + tls_error_text();
        return Io::kError;
    }
  }
  bool wants_write_ = false;
};

Deliverer::Deliverer(const Destination& destination, HandoverInterface interface, Spool& spool,
                     std::unique_ptr<PduCodec> codec, Alarm alarm)
    : destination_(destination),
      interface_(interface),
      address_(interface == HandoverInterface::kHi2 ? destination.hi2_address
                                                    : destination.hi3_address),
      spool_(spool),
      codec_(std::move(codec)),
      alarm_(std::move(alarm)) {}

Deliverer::~Deliverer() {
  stop(false, 0);
  if (tls_ != nullptr) SSL_CTX_free(tls_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

bool Deliverer::start(std::string& error) {
  const std::string who = destination_.name + "/" + std::string(name_of(interface_));
  if (destination_.tls.enabled && tls_ == nullptr) {
    const TlsOptions& options = destination_.tls;
    tls_ = SSL_CTX_new(TLS_client_method());
    bool ok = tls_ != nullptr && SSL_CTX_set_min_proto_version(tls_, TLS1_2_VERSION) == 1;
    if (ok && options.ca_file.empty()) {
      error = who + ": TLS needs a CA file to verify the server";
      return false;
    }
    ok = ok && SSL_CTX_load_verify_locations(tls_, options.ca_file.c_str(), nullptr) == 1;
    if (ok && !options.cert_file.empty()) {
      const std::string& key = options.key_file.empty() ? options.cert_file : options.key_file;
      ok = SSL_CTX_use_certificate_chain_file(tls_, options.cert_file.c_str()) == 1 &&
           SSL_CTX_use_PrivateKey_file(tls_, key.c_str(), SSL_FILETYPE_PEM) == 1 &&
           SSL_CTX_check_private_key(tls_) == 1;
    }
    if (!ok) {
      error = who + ": TLS setup: " + tls_error_text();
      return false;
    }
    SSL_CTX_set_verify(tls_, SSL_VERIFY_PEER, nullptr);
    // Our send buffer may move between retries of a partial write.
    SSL_CTX_set_mode(tls_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  }
  if (wake_fd_ < 0) wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    error = who + ": eventfd: " + std::strerror(errno);
    return false;
  }
  if (thread_.joinable()) return true;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
  return true;
}

Spool::Status Deliverer::enqueue(ByteView pdu) {
  std::string error;
  const Spool::Status status = spool_.append(pdu, error);
  bool raise = false;
  {
    std::lock_guard lock(mutex_);
    raise = status != enqueue_state_ && status != Spool::Status::kOk;
    enqueue_state_ = status;
  }
  // Once per change of state, not per refused record: a full spool refuses
  // thousands of records a second and the counter in SpoolStats says how many.
  if (raise && alarm_) {
    alarm_(destination_.name + "/" + std::string(name_of(interface_)) + ": " + error +
           (status == Spool::Status::kFull ? " (new records are refused)" : ""));
  }
  return status;
}

void Deliverer::notify() {
  if (wake_fd_ < 0) return;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void Deliverer::drain_wake() {
  uint64_t value = 0;
  [[maybe_unused]] ssize_t n = ::read(wake_fd_, &value, sizeof value);
}

bool Deliverer::stop(bool drain, int timeout_ms) {
  if (!thread_.joinable()) return !drain || spool_.confirmed() >= spool_.end();
  bool drained = true;
  if (drain) {
    const SpoolPosition target = spool_.end();
    notify();
    std::unique_lock lock(mutex_);
    drained = confirmed_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                     [&] { return spool_.confirmed() >= target; });
  }
  stopping_ = true;
  notify();
  thread_.join();
  {
    std::lock_guard lock(mutex_);
    stats_.connected = false;
  }
  return drained;
}

DeliveryStats Deliverer::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void Deliverer::fail(const std::string& error) {
  {
    std::lock_guard lock(mutex_);
    stats_.last_error = error;
  }
  // Each distinct failure is raised once until a connection works again
  // (bounded: a handful of kinds of failure exist).
  if (alarmed_.size() < 64 && alarmed_.insert(error).second && alarm_) {
    alarm_(destination_.name + "/" + std::string(name_of(interface_)) + " " + address_ + ": " +
           error);
  }
}

bool Deliverer::wait_wake(int timeout_ms) {
  pollfd wake{wake_fd_, POLLIN, 0};
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!stopping_) {
    const int left = ms_until(deadline, Clock::now());
    if (left == 0) break;
    if (::poll(&wake, 1, left) > 0) drain_wake();
  }
  return !stopping_;
}

void Deliverer::run() {
  // OpenSSL writes with write(2): a peer that vanished must give EPIPE, not
  // kill the sensor. Blocked in this thread only.
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);

  int backoff_ms = std::max(1, destination_.reconnect_min_ms);
  while (!stopping_) {
    Connection connection;
    std::string error;
    if (connect(connection, error)) {
      uint64_t confirmed_before = 0;
      {
        std::lock_guard lock(mutex_);
        stats_.connected = true;
        confirmed_before = stats_.confirmed;
      }
      error = session(connection);
      connection.close();
      bool healthy = false;
      {
        std::lock_guard lock(mutex_);
        stats_.connected = false;
        if (!stopping_) ++stats_.reconnects;
        healthy = stats_.confirmed != confirmed_before;
      }
      // Only a connection that confirmed something proves the peer works:
      // one that is reset right after connecting (a TLS server spoken to in
      // plain TCP, a peer that rejects us) keeps backing off, and its alarm
      // is not repeated.
      if (healthy) {
        alarmed_.clear();
        backoff_ms = std::max(1, destination_.reconnect_min_ms);
      }
      if (stopping_) break;
      fail("connection lost: " + error);
    } else {
      if (stopping_) break;
      {
        std::lock_guard lock(mutex_);
        ++stats_.connect_failures;
      }
      fail(error);
    }
    if (!wait_wake(backoff_ms)) break;
    backoff_ms = std::min(backoff_ms * 2, std::max(backoff_ms, destination_.reconnect_max_ms));
  }
}

bool Deliverer::connect(Connection& connection, std::string& error) {
  std::string host;
  std::string port;
  if (!split_address(address_, host, port)) {
    error = "bad address \"" + address_ + "\" (expected host:port)";
    return false;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* results = nullptr;
  // Blocking, but only for the resolver's own timeout; stop() waits for it.
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &results); rc != 0) {
    error = "resolve " + host + ": " + gai_strerror(rc);
    return false;
  }
  const int timeout_ms = std::max(1, destination_.response_timeout_ms);
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  error = "connect: no address";
  for (addrinfo* ai = results; ai != nullptr && !stopping_; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd fds[2] = {{fd, POLLOUT, 0}, {wake_fd_, POLLIN, 0}};
      while (!stopping_ && ms_until(deadline, Clock::now()) > 0) {
        if (::poll(fds, 2, ms_until(deadline, Clock::now())) <= 0) continue;
        if (fds[1].revents & POLLIN) drain_wake();
        if (fds[0].revents != 0) break;
      }
      int so_error = ETIMEDOUT;
      socklen_t length = sizeof so_error;
      if (fds[0].revents == 0) {
        so_error = ETIMEDOUT;
      } else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &length) != 0) {
        so_error = errno;
      }
      rc = so_error == 0 ? 0 : -1;
      errno = so_error;
    }
    if (rc == 0) {
      connection.fd_ = fd;
      break;
    }
    error = "connect " + address_ + ": " + std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(results);
  if (connection.fd() < 0) return false;
  // We batch ourselves; Nagle would only delay the keep-alive after a batch.
  const int on = 1;
  ::setsockopt(connection.fd(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  ::setsockopt(connection.fd(), SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  if (tls_ == nullptr) return true;

  const std::string& name =
      destination_.tls.server_name.empty() ? host : destination_.tls.server_name;
  SSL* ssl = SSL_new(tls_);
  connection.ssl_ = ssl;
  bool ok = ssl != nullptr && SSL_set_fd(ssl, connection.fd()) == 1;
  // SNI carries host names only; the certificate check covers IP addresses.
  if (ok && !is_ip_literal(name)) ok = SSL_set_tlsext_host_name(ssl, name.c_str()) == 1;
  if (ok && is_ip_literal(name)) {
    ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) == 1;
  }
  if (ok && !is_ip_literal(name)) ok = SSL_set1_host(ssl, name.c_str()) == 1;
  if (!ok) {
    error = "TLS setup: " + tls_error_text();
    return false;
  }
  for (;;) {
    ERR_clear_error();
    const int rc = SSL_connect(ssl);
    if (rc == 1) return true;
    const int reason = SSL_get_error(ssl, rc);
    short events = 0;
    if (reason == SSL_ERROR_WANT_READ) events = POLLIN;
    if (reason == SSL_ERROR_WANT_WRITE) events = POLLOUT;
    if (events == 0 || stopping_ || ms_until(deadline, Clock::now()) == 0) {
      const long verify = SSL_get_verify_result(ssl);
      error = "TLS handshake with " + name + " failed: " +
              (verify != X509_V_OK ? std::string("certificate verification: ") +
                                         X509_verify_cert_error_string(verify)
               : events != 0 ? std::string("timed out")
                             : tls_error_text());
      return false;
    }
    pollfd fds[2] = {{connection.fd(), events, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, ms_until(deadline, Clock::now())) > 0 && (fds[1].revents & POLLIN)) {
      drain_wake();
    }
  }
}

std::string Deliverer::session(Connection& connection) {
  struct Waiting {
    uint64_t sequence;
    SpoolPosition position;  // everything before it was sent before the keep-alive
    Clock::time_point sent;
  };
  Spool::Reader reader = spool_.reader();
  std::deque<Waiting> waiting;
  SpoolPosition covered = reader.position();  // followed by a keep-alive already
  std::string out;                            // bytes for the socket, from out_offset
  size_t out_offset = 0;
  std::string in;  // received, not yet framed
  std::string pdu;
  std::string keepalive;
  std::string error;
  std::optional<Clock::time_point> batch_start;  // first data not yet covered
  Clock::time_point last_sent = Clock::now();
  const auto interval = std::chrono::milliseconds(std::max(1, destination_.keepalive_interval_ms));
  const auto batch = std::chrono::milliseconds(std::max(0, destination_.keepalive_batch_ms));
  const auto response = std::chrono::milliseconds(std::max(1, destination_.response_timeout_ms));

  auto send_keepalive = [&](Clock::time_point now) {
    const uint64_t sequence = keepalive_sequence_++;
    const auto wall = std::chrono::system_clock::now().time_since_epoch();
    codec_->encode_keepalive(sequence, Timestamp{std::chrono::nanoseconds(wall).count()},
                             keepalive);
    out += keepalive;
    waiting.push_back({sequence, reader.position(), now});
    covered = reader.position();
    batch_start.reset();
    std::lock_guard lock(mutex_);
    ++stats_.keepalives_sent;
  };

  while (!stopping_) {
    // Queue more spool data while less than a chunk is waiting for the socket.
    bool dry = false;   // the reader has nothing more now
    bool more = false;  // stopped at the chunk bound: more to read at once
    if (out.size() - out_offset < kChunkBytes) {
      out.erase(0, out_offset);
      out_offset = 0;
      if (!spool_.synced() && !spool_.sync(error)) fail(error);
      uint64_t queued = 0;
      while (out.size() < kChunkBytes) {
        error.clear();
        if (!reader.next(pdu, error)) {
          if (!error.empty()) fail(error);
          dry = error.empty();
          break;
        }
        out += pdu;
        ++queued;
      }
      more = out.size() >= kChunkBytes;
      if (queued > 0) {
        std::lock_guard lock(mutex_);
        stats_.pdus_sent += queued;
      }
    }
    auto now = Clock::now();
    const bool uncovered = covered < reader.position();
    if (uncovered && !batch_start) batch_start = now;
    // A keep-alive after each batch (confirms it) and when idle (liveness).
    if (uncovered && (dry || now - *batch_start >= batch)) {
      send_keepalive(now);
    } else if (!uncovered && waiting.empty() && out_offset == out.size() &&
               now - last_sent >= interval) {
      send_keepalive(now);
    }

    while (out_offset < out.size()) {
      size_t sent = 0;
      auto io = connection.send(out.data() + out_offset, out.size() - out_offset, sent, error);
      if (io == Connection::Io::kError) return error;
      if (io == Connection::Io::kClosed) return "closed by peer";
      if (io == Connection::Io::kWouldBlock || sent == 0) break;
      out_offset += sent;
      last_sent = now;
    }

    // Sleep until the socket, notify()/stop(), or the next deadline.
    Clock::time_point wake = now + interval;
    if (!waiting.empty()) wake = std::min(wake, waiting.front().sent + response);
    if (batch_start) wake = std::min(wake, *batch_start + batch);
    if (waiting.empty() && !uncovered) wake = std::min(wake, last_sent + interval);
    short events = POLLIN;
    if (out_offset < out.size() || connection.wants_write()) events |= POLLOUT;
    pollfd fds[2] = {{connection.fd(), events, 0}, {wake_fd_, POLLIN, 0}};
    // Everything queued went out but the spool has more: go round at once.
    const int timeout = more && out_offset == out.size() ? 0 : ms_until(wake, Clock::now());
    if (::poll(fds, 2, timeout) < 0 && errno != EINTR) {
      return std::string("poll: ") + std::strerror(errno);
    }
    if (fds[1].revents & POLLIN) drain_wake();
    now = Clock::now();

    if (fds[0].revents != 0) {
      for (;;) {
        char buffer[16384];
        size_t received = 0;
        auto io = connection.receive(buffer, sizeof buffer, received, error);
        if (io == Connection::Io::kError) return error;
        if (io == Connection::Io::kClosed) return "closed by peer";
        if (io == Connection::Io::kWouldBlock) break;
        in.append(buffer, received);
        // Frame and handle what we have now, so `in` holds at most one PDU.
        size_t start = 0;
        while (start < in.size()) {
          size_t length = 0;
          const ByteView rest = as_bytes(std::string_view(in).substr(start));
          const auto status = codec_->frame(rest, length, error);
          if (status == ber::FrameStatus::kError) return "cannot frame the peer's stream: " + error;
          if (status == ber::FrameStatus::kNeedMore) break;
          uint64_t sequence = 0;
          if (codec_->keepalive_response(rest.first(length), sequence)) {
            auto match = std::find_if(waiting.begin(), waiting.end(),
                                      [&](const Waiting& w) { return w.sequence == sequence; });
            if (match == waiting.end()) {
              return "keep-alive response with unexpected sequence number " +
                     std::to_string(sequence);
            }
            // The peer stored everything before this keep-alive.
            if (!spool_.confirm(match->position, error)) fail(error);
            waiting.erase(waiting.begin(), match + 1);
            {
              std::lock_guard lock(mutex_);
              ++stats_.confirmed;
            }
            confirmed_cv_.notify_all();
          }
          start += length;
        }
        in.erase(0, start);
      }
    }
    if (!waiting.empty() && now >= waiting.front().sent + response) {
      return "no keep-alive response within " + std::to_string(destination_.response_timeout_ms) +
             " ms (dead peer)";
    }
  }
  return "";
}

}  // namespace rcds::handover
