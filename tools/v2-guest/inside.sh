# Sourced by the command of a v2 guest run (tools/v2-guest/run), as root, before the command:
# puts the shell where systemd would put a service, so oomlab meets what a v2 host shows it.
# Under systemd a command runs in /system.slice/<unit>.service, a cgroup that holds processes and
# whose parent has memory and io enabled: oomlab cannot enable controllers below its own cgroup
# there (the no-internal-processes rule) and must place its run cgroups elsewhere.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
if [[ $(cat /proc/1/comm) != systemd ]]; then  # under systemd it is so already
  echo "+memory +io +pids" > /sys/fs/cgroup/cgroup.subtree_control
  mkdir -p /sys/fs/cgroup/system.slice/oomlab-guest.service
  echo "+memory +io +pids" > /sys/fs/cgroup/system.slice/cgroup.subtree_control
  echo $$ > /sys/fs/cgroup/system.slice/oomlab-guest.service/cgroup.procs
fi
# The host's ownership records show through the overlay, live: a host run's records would come and
# go in the middle of a guest test's state check, and the guest's cleanup would judge them (they
# are of another boot). The guest keeps its own, from none.
mkdir -p /var/lib/oomlab && mount -t tmpfs -o mode=0755 tmpfs /var/lib/oomlab
echo "v2-guest: init $(cat /proc/1/comm), $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/{print int($2/1024)}' /proc/meminfo) MiB," \
     "cgroup $(cat /proc/self/cgroup), OOMLAB_TIME_FACTOR=$OOMLAB_TIME_FACTOR"
