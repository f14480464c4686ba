/* bench_rusage RESULT_FILE COMMAND [ARGS...]: runs COMMAND and writes its
 * wall time, user and system CPU seconds and peak RSS to RESULT_FILE.
 *
 * Why not os.wait4 straight from bench/run: Linux carries a process's peak
 * RSS across fork and exec, so a child forked from Python reports at least
 * Python's own RSS. Forked from this small launcher, the floor is this
 * launcher's few hundred KiB instead. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval t) { return (double)t.tv_sec + (double)t.tv_usec * 1e-6; }

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bench_rusage RESULT_FILE COMMAND [ARGS...]\n");
    return 2;
  }
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  pid_t pid = fork();
  if (pid < 0) {
    perror("bench_rusage: fork");
    return 1;
  }
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    perror("bench_rusage: exec");
    _exit(127);
  }
  int status = 0;
  struct rusage usage;
  if (wait4(pid, &status, 0, &usage) < 0) {
    perror("bench_rusage: wait4");
    return 1;
  }
  struct timespec end;
  clock_gettime(CLOCK_MONOTONIC, &end);
  double wall = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) * 1e-9;
  FILE* out = fopen(argv[1], "w");
  if (out == NULL) {
    perror("bench_rusage: result file");
    return 1;
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  fprintf(out, "wall_s=%.6f user_s=%.6f sys_s=%.6f maxrss_kib=%ld exit=%d\n", wall,
          seconds(usage.ru_utime), seconds(usage.ru_stime), usage.ru_maxrss, code);
  fclose(out);
  return code;
}
