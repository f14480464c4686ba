#include "cib/lemf/receiver.h"

#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>

namespace rcds::cib::lemf {
namespace {

Timestamp now() {
  return {std::chrono::duration_cast<std::chrono::nanoseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count()};
}

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  char text[256] = "unknown TLS error";
  if (code != 0) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

// "host:port", "[v6]:port", ":port" or "*:port" (any address).
bool split_address(const std::string& address, std::string& host, std::string& port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  host = address.substr(0, colon);
  port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "*") host.clear();
  return !port.empty();
}

int open_listener(const std::string& address, uint16_t& bound_port, std::string& error) {
  std::string host, port;
  if (!split_address(address, host, port)) {
    error = "bad listen address '" + address + "' (want HOST:PORT)";
    return -1;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* results = nullptr;
  if (const int rc =
          getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &results);
      rc != 0) {
    error = address + ": " + gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* ai = results; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 64) != 0) {
      error = address + ": " + std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(results);
  if (fd < 0) return -1;
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  bound_port =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return fd;
}

std::string peer_name(const sockaddr_storage& peer, socklen_t length) {
  char host[NI_MAXHOST] = "?";
  char port[NI_MAXSERV] = "?";
  getnameinfo(reinterpret_cast<const sockaddr*>(&peer), length, host, sizeof host, port,
              sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
  return peer.ss_family == AF_INET6 ? "[" + std::string(host) + "]:" + port
                                    : std::string(host) + ":" + port;
}

// Responses pile up only when the sender does not read them; past this the
// connection is closed rather than buffering without bound.
constexpr size_t kMaxPendingResponses = size_t{1} << 20;
// Bytes read from one plain connection per poll round, so one busy sender
// cannot starve the others.
constexpr size_t kReadBudget = size_t{1} << 20;

struct Listener {
  int fd = -1;
  std::string interface;  // "hi2", "hi3"
  uint16_t port = 0;
};

struct Connection {
  int fd = -1;
  SSL* ssl = nullptr;
  bool handshaking = false;
  bool want_write = false;  // TLS asked for POLLOUT
  bool closed = false;
  std::string reason;
  int64_t id = 0;
  std::unique_ptr<StreamHandler> handler;
  std::string out;
  size_t out_sent = 0;
};

}  // namespace

struct LemfReceiver::Impl {
  LemfStore& store;
  ReceiverOptions options;
  LemfCounters counters;
  int stop_fd = -1;
  std::vector<Listener> listeners;
  std::vector<std::unique_ptr<Connection>> connections;
  SSL_CTX* tls = nullptr;

  Impl(LemfStore& s, ReceiverOptions o) : store(s), options(std::move(o)) {
    stop_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  }
  ~Impl() {
    for (auto& c : connections) close(*c, "receiver destroyed");
    for (auto& l : listeners) ::close(l.fd);
    if (tls != nullptr) SSL_CTX_free(tls);
    if (stop_fd >= 0) ::close(stop_fd);
  }

  bool load_tls(std::string& error) {
    tls = SSL_CTX_new(TLS_server_method());
    if (tls == nullptr) {
      error = "TLS: " + openssl_error();
      return false;
    }
    SSL_CTX_set_min_proto_version(tls, TLS1_2_VERSION);
    SSL_CTX_set_mode(tls, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    const TlsServerOptions& o = options.tls;
    if (SSL_CTX_use_certificate_chain_file(tls, o.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(tls, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(tls) != 1) {
      error = "TLS certificate/key (" + o.cert_file + ", " + o.key_file + "): " + openssl_error();
      return false;
    }
    if (!o.client_ca_file.empty()) {
      if (SSL_CTX_load_verify_locations(tls, o.client_ca_file.c_str(), nullptr) != 1) {
        error = "TLS client CA " + o.client_ca_file + ": " + openssl_error();
        return false;
      }
      SSL_CTX_set_verify(tls, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
    return true;
  }

  void close(Connection& c, std::string reason) {
    if (c.closed) return;
    c.closed = true;
    if (c.reason.empty()) c.reason = std::move(reason);
    if (c.ssl != nullptr) {
      if (!c.handshaking) SSL_shutdown(c.ssl);
      // The error queue is per thread, shared by every connection: leave
      // nothing behind for the next one's error message.
      ERR_clear_error();
      SSL_free(c.ssl);
      c.ssl = nullptr;
    }
    ::close(c.fd);
    const uint64_t pdus = c.handler ? c.handler->pdus() : 0;
    const uint64_t bytes = c.handler ? c.handler->bytes() : 0;
    store.connection_closed(c.id, now(), pdus, bytes, c.reason);
    if (options.log != nullptr) {
      std::fprintf(options.log, "lemf: connection %lld closed after %llu PDUs: %s\n",
                   static_cast<long long>(c.id), static_cast<unsigned long long>(pdus),
                   c.reason.c_str());
    }
  }

  void accept_all(const Listener& listener) {
    for (;;) {
      sockaddr_storage peer{};
      socklen_t length = sizeof peer;
      const int fd = ::accept4(listener.fd, reinterpret_cast<sockaddr*>(&peer), &length,
                               SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN, or a transient error: poll tells us again
      if (connections.size() >= options.max_connections) {
        counters.bump(counters.connections_refused);
        ::close(fd);
        continue;
      }
      auto c = std::make_unique<Connection>();
      c->fd = fd;
      c->id = store.connection_opened(listener.interface, peer_name(peer, length), tls != nullptr,
                                      now());
      c->handler = std::make_unique<StreamHandler>(store, counters, c->id, options.limits);
      if (tls != nullptr) {
        c->ssl = SSL_new(tls);
        SSL_set_fd(c->ssl, fd);
        SSL_set_accept_state(c->ssl);
        c->handshaking = true;
      }
      counters.bump(counters.connections_accepted);
      connections.push_back(std::move(c));
    }
  }

  // One read attempt: >0 bytes, 0 nothing now, -1 closed (reason set).
  ssize_t read_some(Connection& c, uint8_t* buffer, size_t size) {
    if (c.ssl == nullptr) {
      const ssize_t n = ::recv(c.fd, buffer, size, 0);
      if (n > 0) return n;
      if (n == 0) return close(c, "peer closed the connection"), -1;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
      return close(c, std::string("read: ") + std::strerror(errno)), -1;
    }
    const int n = SSL_read(c.ssl, buffer, static_cast<int>(size));
    if (n > 0) return n;
    switch (SSL_get_error(c.ssl, n)) {
      case SSL_ERROR_WANT_READ:
        return 0;
      case SSL_ERROR_WANT_WRITE:
        c.want_write = true;
        return 0;
      case SSL_ERROR_ZERO_RETURN:
        return close(c, "peer closed the TLS session"), -1;
      default:
        return close(c, "TLS read: " + openssl_error()), -1;
    }
  }

  void flush(Connection& c) {
    while (!c.closed && c.out_sent < c.out.size()) {
      const char* data = c.out.data() + c.out_sent;
      const size_t size = c.out.size() - c.out_sent;
      if (c.ssl == nullptr) {
        const ssize_t n = ::send(c.fd, data, size, MSG_NOSIGNAL);
        if (n > 0) {
          c.out_sent += static_cast<size_t>(n);
          continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) break;
        return close(c, std::string("write: ") + std::strerror(errno));
      }
      const int n = SSL_write(c.ssl, data, static_cast<int>(size));
      if (n > 0) {
        c.out_sent += static_cast<size_t>(n);
        continue;
      }
      const int code = SSL_get_error(c.ssl, n);
      if (code == SSL_ERROR_WANT_WRITE || code == SSL_ERROR_WANT_READ) break;
      return close(c, "TLS write: " + openssl_error());
    }
    if (c.out_sent == c.out.size()) {
      c.out.clear();
      c.out_sent = 0;
    } else if (c.out.size() - c.out_sent > kMaxPendingResponses) {
      close(c, "sender does not read its keep-alive responses");
    }
  }

  void service(Connection& c) {
    c.want_write = false;
    if (c.handshaking) {
      const int rc = SSL_accept(c.ssl);
      if (rc != 1) {
        const int code = SSL_get_error(c.ssl, rc);
        if (code == SSL_ERROR_WANT_READ) return;
        if (code == SSL_ERROR_WANT_WRITE) {
          c.want_write = true;
          return;
        }
        counters.bump(counters.tls_handshake_failures);
        return close(c, "TLS handshake: " + openssl_error());
      }
      c.handshaking = false;
    }
    uint8_t buffer[64 * 1024];
    size_t budget = kReadBudget;
    while (!c.closed && (budget > 0 || (c.ssl != nullptr && SSL_pending(c.ssl) > 0))) {
      const ssize_t n = read_some(c, buffer, sizeof buffer);
      if (n <= 0) break;
      budget -= std::min(budget, static_cast<size_t>(n));
      const bool ok = c.handler->feed(ByteView(buffer, static_cast<size_t>(n)), now(), c.out);
      // At once, not after the loop: a sender that half-closes right after
      // its keep-alive still gets the answer before we read its EOF; and
      // responses earned before a bad PDU still go out.
      flush(c);
      if (!ok) return close(c, c.handler->close_reason());
    }
    flush(c);
  }

  void run() {
    auto last_commit = std::chrono::steady_clock::now();
    std::vector<pollfd> fds;
    for (;;) {
      fds.clear();
      fds.push_back({stop_fd, POLLIN, 0});
      for (const auto& l : listeners) fds.push_back({l.fd, POLLIN, 0});
      for (const auto& c : connections) {
        const bool write = c->want_write || c->out_sent < c->out.size();
        fds.push_back({c->fd, static_cast<short>(POLLIN | (write ? POLLOUT : 0)), 0});
      }
      const int ready = ::poll(fds.data(), fds.size(), 250);
      if (ready < 0 && errno != EINTR) break;
      if (fds[0].revents != 0) break;
      const size_t count = connections.size();  // accept_all may append
      for (size_t i = 0; i < count; ++i) {
        if (fds[1 + listeners.size() + i].revents != 0) service(*connections[i]);
      }
      for (size_t i = 0; i < listeners.size(); ++i) {
        if (fds[1 + i].revents & POLLIN) accept_all(listeners[i]);
      }
      std::erase_if(connections, [](const auto& c) { return c->closed; });
      const auto t = std::chrono::steady_clock::now();
      if (store.pending() > 0 &&
          (store.pending() >= 4096 || t - last_commit >= std::chrono::seconds(1))) {
        std::string error;
        if (!store.commit(error) && options.log != nullptr) {
          std::fprintf(options.log, "lemf: commit failed: %s\n", error.c_str());
        }
        last_commit = t;
      }
    }
    for (auto& c : connections) close(*c, "receiver stopped");
    connections.clear();
    std::string error;
    if (!store.commit(error) && options.log != nullptr) {
      std::fprintf(options.log, "lemf: commit failed: %s\n", error.c_str());
    }
  }
};

LemfReceiver::LemfReceiver(LemfStore& store, ReceiverOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {}

LemfReceiver::~LemfReceiver() = default;

bool LemfReceiver::listen(std::string& error) {
  if (impl_->stop_fd < 0) {
    error = std::string("eventfd: ") + std::strerror(errno);
    return false;
  }
  // OpenSSL writes to the socket itself; a sender that vanishes must give
  // EPIPE, not kill the receiver.
  std::signal(SIGPIPE, SIG_IGN);
  if (!impl_->options.tls.cert_file.empty() && !impl_->load_tls(error)) return false;
  for (const auto& [address, name] : {std::pair{impl_->options.hi2_address, "hi2"},
                                      std::pair{impl_->options.hi3_address, "hi3"}}) {
    if (address.empty()) continue;
    Listener listener;
    listener.interface = name;
    listener.fd = open_listener(address, listener.port, error);
    if (listener.fd < 0) return false;
    impl_->listeners.push_back(listener);
  }
  if (impl_->listeners.empty()) {
    error = "no HI2 or HI3 address to listen on";
    return false;
  }
  return true;
}

uint16_t LemfReceiver::hi2_port() const {
  for (const auto& l : impl_->listeners) {
    if (l.interface == "hi2") return l.port;
  }
  return 0;
}

uint16_t LemfReceiver::hi3_port() const {
  for (const auto& l : impl_->listeners) {
    if (l.interface == "hi3") return l.port;
  }
  return 0;
}

void LemfReceiver::run() { impl_->run(); }

void LemfReceiver::stop() {
  const uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(impl_->stop_fd, &one, sizeof one);
}

const LemfCounters& LemfReceiver::counters() const { return impl_->counters; }

}  // namespace rcds::cib::lemf
