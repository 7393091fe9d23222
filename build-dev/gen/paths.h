#define CHARTROOM_DATA_DIR "/var/lib/chartroom"
#define CHARTROOM_SYSTEM_CONFIG "/etc/chartroom/chartroom.ini"
