# CPack: `cpack -G DEB` in a build tree makes bootfw_<version>_<arch>.deb. Included from the top-level
# CMakeLists.txt just before include(CPack).
#
# The system files (unit, default config) go to absolute paths, so they are in their own component
# "system", left out of a plain `cmake --install --prefix P` (EXCLUDE_FROM_ALL) and packaged by CPack.
set(_pkg ${PROJECT_SOURCE_DIR}/packaging)
install(FILES ${_pkg}/bootfw.service DESTINATION lib/systemd/system COMPONENT system EXCLUDE_FROM_ALL)
install(FILES ${_pkg}/plugins.toml DESTINATION /etc/bootfw COMPONENT system EXCLUDE_FROM_ALL)

# Documentation for people who only have the package: the guides and the example projects.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} PATTERN "Doxyfile" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/custom-plugin ${PROJECT_SOURCE_DIR}/examples/embed
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

set(CPACK_PACKAGE_NAME bootfw)
set(CPACK_PACKAGE_VENDOR "bootfw")
set(CPACK_PACKAGE_CONTACT "bootfw maintainers <bootfw@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "plugin-based PXE network boot server (DHCP + TFTP + pxelinux)")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_SET_DESTDIR ON)  # /etc/bootfw is absolute: stage it under DESTDIR like everything else
set(CPACK_GENERATOR DEB)
# One package holding the default component and "system" (named explicitly: it is EXCLUDE_FROM_ALL).
set(CPACK_INSTALL_CMAKE_PROJECTS "${PROJECT_BINARY_DIR};bootfw;Unspecified;/;${PROJECT_BINARY_DIR};bootfw;system;/")
set(CPACK_DEB_COMPONENT_INSTALL OFF)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "pxelinux, syslinux-common")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${_pkg}/postinst ${_pkg}/prerm ${_pkg}/postrm ${_pkg}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# SDK reference (Doxygen from the installed headers), only when doxygen is installed: the build never
# depends on it.
find_program(BOOTFW_DOXYGEN doxygen)
if(BOOTFW_DOXYGEN)
  add_custom_target(doc COMMAND ${BOOTFW_DOXYGEN} docs/Doxyfile WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                    COMMENT "SDK reference in build/doc/html")
endif()
