enum LispCoreModule {}
