#include "handover/spool.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace rcds::handover {
namespace {

namespace fs = std::filesystem;

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "rcds-spool-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    dir_ = root_ + "/spool";
  }
  void TearDown() override {
    if (mounted_) ::umount2(mount_point_.c_str(), MNT_DETACH);
    fs::remove_all(root_);
  }

  std::unique_ptr<Spool> open(uint64_t limit = 1 << 30, uint64_t segment = 1 << 20) {
    std::string error;
    auto spool = Spool::open(dir_, limit, error, segment);
    EXPECT_NE(spool, nullptr) << error;
    return spool;
  }
  static Spool::Status append(Spool& spool, const std::string& text) {
    std::string error;
    return spool.append(as_bytes(text), error);
  }
  static std::vector<std::string> read_all(Spool& spool) {
    std::string error;
    EXPECT_TRUE(spool.sync(error)) << error;
    std::vector<std::string> out;
    auto reader = spool.reader();
    std::string pdu;
    while (reader.next(pdu, error)) out.push_back(pdu);
    EXPECT_EQ(error, "");
    return out;
  }
  std::vector<fs::path> segments() const {
    std::vector<fs::path> out;
    for (const auto& item : fs::directory_iterator(dir_)) {
      if (item.path().extension() == ".seg") out.push_back(item.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::string record(int i) {
    return "record-" + std::to_string(i) + std::string(i % 50, 'x');
  }

  std::string root_;
  std::string dir_;
  std::string mount_point_;
  bool mounted_ = false;
};

TEST_F(SpoolTest, AppendReadConfirmReopen) {
  {
    auto spool = open();
    for (int i = 0; i < 10; ++i) ASSERT_EQ(append(*spool, record(i)), Spool::Status::kOk);
    // Not synced: readers see nothing yet (only durable data may be sent).
    std::string pdu;
    std::string error;
    EXPECT_FALSE(spool->reader().next(pdu, error));
    auto all = read_all(*spool);
    ASSERT_EQ(all.size(), 10u);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(all[i], record(i));

    // Confirm the first four.
    auto reader = spool->reader();
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(reader.next(pdu, error));
    ASSERT_TRUE(spool->confirm(reader.position(), error)) << error;
    EXPECT_EQ(spool->stats().pending_entries, 6u);
    EXPECT_EQ(spool->stats().appended, 10u);
  }
  auto spool = open();
  auto all = read_all(*spool);
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all.front(), record(4));
  EXPECT_EQ(spool->stats().pending_entries, 6u);
  EXPECT_EQ(spool->stats().corrupt_truncated, 0u);
  // Appends after a restart follow the recovered records.
  ASSERT_EQ(append(*spool, "after"), Spool::Status::kOk);
  all = read_all(*spool);
  ASSERT_EQ(all.size(), 7u);
  EXPECT_EQ(all.back(), "after");
  std::string error;
  ASSERT_TRUE(spool->confirm(spool->end(), error));
  EXPECT_EQ(spool->stats().pending_bytes, 0u);
  EXPECT_EQ(spool->stats().pending_entries, 0u);
  EXPECT_TRUE(read_all(*spool).empty());
}

TEST_F(SpoolTest, TornTailIsTruncatedAndCounted) {
  {
    auto spool = open();
    for (int i = 0; i < 5; ++i) ASSERT_EQ(append(*spool, record(i)), Spool::Status::kOk);
  }
  auto files = segments();
  ASSERT_EQ(files.size(), 1u);
  const auto size = fs::file_size(files[0]);
  fs::resize_file(files[0], size - 3);  // the last entry is torn mid-body
  {
    auto spool = open();
    auto all = read_all(*spool);
    ASSERT_EQ(all.size(), 4u);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(all[i], record(i));
    EXPECT_EQ(spool->stats().corrupt_truncated, 1u);
    ASSERT_EQ(append(*spool, "new"), Spool::Status::kOk);
  }
  // The truncation was made durable: a second recovery finds nothing wrong.
  auto spool = open();
  EXPECT_EQ(spool->stats().corrupt_truncated, 0u);
  auto all = read_all(*spool);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all.back(), "new");
}

TEST_F(SpoolTest, FlippedByteInTailIsDropped) {
  {
    auto spool = open();
    for (int i = 0; i < 5; ++i) ASSERT_EQ(append(*spool, record(i)), Spool::Status::kOk);
  }
  auto file = segments().at(0);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-2, std::ios::end);
    f.put('\x7f');
  }
  auto spool = open();
  auto all = read_all(*spool);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[3], record(3));
  EXPECT_EQ(spool->stats().corrupt_truncated, 1u);
}

TEST_F(SpoolTest, TornHeaderAndGarbageLength) {
  {
    auto spool = open();
    ASSERT_EQ(append(*spool, "one"), Spool::Status::kOk);
  }
  {
    std::ofstream f(segments().at(0), std::ios::app | std::ios::binary);
    f.write("\xff\xff\xff\x7f\0\0", 6);  // a header claiming 2 GiB, torn
  }
  auto spool = open();
  auto all = read_all(*spool);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(spool->stats().corrupt_truncated, 1u);
}

TEST_F(SpoolTest, LimitRefusesNewRecords) {
  auto spool = open(/*limit=*/100);
  const std::string twenty(20, 'a');  // 28 bytes with the header
  for (int i = 0; i < 3; ++i) ASSERT_EQ(append(*spool, twenty), Spool::Status::kOk);
  std::string error;
  EXPECT_EQ(spool->append(as_bytes(twenty), error), Spool::Status::kFull);
  EXPECT_NE(error.find("spool full"), std::string::npos);
  EXPECT_EQ(spool->stats().refused, 1u);
  EXPECT_EQ(spool->stats().pending_bytes, 84u);
  // The oldest records are kept; confirming frees room again.
  auto all = read_all(*spool);
  ASSERT_EQ(all.size(), 3u);
  auto reader = spool->reader();
  std::string pdu;
  ASSERT_TRUE(reader.next(pdu, error));
  ASSERT_TRUE(spool->confirm(reader.position(), error));
  EXPECT_EQ(append(*spool, twenty), Spool::Status::kOk);
}

TEST_F(SpoolTest, SegmentsRollAndAreDeletedAfterConfirm) {
  auto spool = open(1 << 30, /*segment=*/4096);
  const std::string kilo(1000, 'k');
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(append(*spool, kilo + std::to_string(i)), Spool::Status::kOk);
  EXPECT_GE(segments().size(), 5u);
  std::string error;
  ASSERT_TRUE(spool->sync(error));
  auto reader = spool->reader();
  std::string pdu;
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(reader.next(pdu, error));
  EXPECT_EQ(pdu, kilo + "11");
  ASSERT_TRUE(spool->confirm(reader.position(), error));
  const auto remaining = segments().size();
  EXPECT_LE(remaining, 3u);
  EXPECT_EQ(spool->stats().segments, remaining);
  spool.reset();
  spool = open(1 << 30, 4096);
  auto all = read_all(*spool);
  ASSERT_EQ(all.size(), 8u);
  EXPECT_EQ(all.front(), kilo + "12");
  EXPECT_EQ(all.back(), kilo + "19");
}

TEST_F(SpoolTest, ReaderFollowsConcurrentAppends) {
  auto spool = open(1 << 30, 4096);
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) {
      ASSERT_EQ(append(*spool, record(i)), Spool::Status::kOk);
      if (i % 100 == 99) {
        std::string error;
        ASSERT_TRUE(spool->sync(error));
      }
    }
  });
  auto reader = spool->reader();
  std::string pdu;
  std::string error;
  int next = 0;
  while (next < 2000) {
    if (reader.next(pdu, error)) {
      ASSERT_EQ(pdu, record(next));
      ++next;
      if (next % 250 == 0) {
        ASSERT_TRUE(spool->confirm(reader.position(), error));
      }
    } else {
      ASSERT_EQ(error, "");
      std::this_thread::yield();
    }
  }
  writer.join();
  EXPECT_EQ(spool->stats().pending_bytes, 0u);
}

TEST_F(SpoolTest, FullDiskIsReportedAndSpoolStaysConsistent) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  mount_point_ = root_ + "/small";
  fs::create_directories(mount_point_);
  if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=256k") != 0) {
    GTEST_SKIP() << "cannot mount tmpfs: " << std::strerror(errno);
  }
  mounted_ = true;
  dir_ = mount_point_ + "/spool";
  std::vector<std::string> accepted;
  std::string error;
  {
    auto spool = open(/*limit=*/1 << 30, /*segment=*/1 << 20);
    Spool::Status status = Spool::Status::kOk;
    for (int i = 0; status == Spool::Status::kOk && i < 10000; ++i) {
      std::string text = std::string(3000, 'd') + std::to_string(i);
      status = spool->append(as_bytes(text), error);
      if (status == Spool::Status::kOk) accepted.push_back(text);
    }
    ASSERT_EQ(status, Spool::Status::kError);
    EXPECT_NE(error.find("No space left on device"), std::string::npos) << error;
    EXPECT_EQ(spool->stats().write_errors, 1u);
    ASSERT_GT(accepted.size(), 10u);
    // Still usable: a small record fits into what the partial write left.
    auto all = read_all(*spool);
    EXPECT_EQ(all, accepted);
    // Confirm frees space; appending works again.
    ASSERT_TRUE(spool->confirm(spool->end(), error)) << error;
  }
  auto spool = open(1 << 30, 1 << 20);
  EXPECT_EQ(spool->stats().corrupt_truncated, 0u);
  EXPECT_TRUE(read_all(*spool).empty());
  EXPECT_EQ(append(*spool, "after"), Spool::Status::kOk);
}

TEST_F(SpoolTest, FullDiskThenReopenKeepsAcceptedRecords) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  mount_point_ = root_ + "/small";
  fs::create_directories(mount_point_);
  if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=128k") != 0) {
    GTEST_SKIP() << "cannot mount tmpfs: " << std::strerror(errno);
  }
  mounted_ = true;
  dir_ = mount_point_ + "/spool";
  std::vector<std::string> accepted;
  {
    auto spool = open();
    std::string error;
    for (int i = 0; i < 10000; ++i) {
      std::string text = std::string(5000, 'e') + std::to_string(i);
      if (spool->append(as_bytes(text), error) != Spool::Status::kOk) break;
      accepted.push_back(text);
    }
  }
  auto spool = open();
  EXPECT_EQ(spool->stats().corrupt_truncated, 0u);
  EXPECT_EQ(read_all(*spool), accepted);
}

}  // namespace
}  // namespace rcds::handover
