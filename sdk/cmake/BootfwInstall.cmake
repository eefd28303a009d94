# Installation: the SDK headers (the only headers installed), libbootfw, the bootfw binary, the shipped
# plugins and helper commands, a CMake package (find_package(bootfw)) and a pkg-config file.
include(CMakePackageConfigHelpers)

set(BOOTFW_INSTALL_PLUGINDIR ${CMAKE_INSTALL_LIBDIR}/bootfw/plugins)
set(BOOTFW_INSTALL_LIBEXECDIR ${CMAKE_INSTALL_LIBEXECDIR}/bootfw)
set(BOOTFW_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/bootfw)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/sdk/include/bootfw/sdk ${PROJECT_BINARY_DIR}/sdk/include/bootfw/sdk
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/bootfw FILES_MATCHING PATTERN "*.hpp")
install(TARGETS bootfw_sdk EXPORT bootfwTargets)
install(TARGETS bootfw_framework EXPORT bootfwTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS bootfw RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

get_property(_plugin_targets GLOBAL PROPERTY BOOTFW_PLUGIN_TARGETS)
if(_plugin_targets)
  install(TARGETS ${_plugin_targets} LIBRARY DESTINATION ${BOOTFW_INSTALL_PLUGINDIR})
endif()
get_property(_helper_targets GLOBAL PROPERTY BOOTFW_HELPER_TARGETS)
if(_helper_targets)
  install(TARGETS ${_helper_targets} RUNTIME DESTINATION ${BOOTFW_INSTALL_LIBEXECDIR})
endif()

install(EXPORT bootfwTargets NAMESPACE bootfw:: DESTINATION ${BOOTFW_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/sdk/cmake/bootfwConfig.cmake.in
  ${PROJECT_BINARY_DIR}/bootfwConfig.cmake INSTALL_DESTINATION ${BOOTFW_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/bootfwConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/bootfwConfig.cmake ${PROJECT_BINARY_DIR}/bootfwConfigVersion.cmake
        ${PROJECT_SOURCE_DIR}/sdk/cmake/BootfwPlugin.cmake DESTINATION ${BOOTFW_INSTALL_CMAKEDIR})

configure_file(${PROJECT_SOURCE_DIR}/sdk/cmake/bootfw.pc.in ${PROJECT_BINARY_DIR}/bootfw.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/bootfw.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
