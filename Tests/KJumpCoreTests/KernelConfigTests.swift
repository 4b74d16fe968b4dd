import Testing
@testable import KJumpCore

@Suite struct KernelConfigTests {
    @Test func parsesEveryValueKind() {
        let config = KernelConfig(parsing: """
            # comment
            CONFIG_A=y
            CONFIG_B=m
            # CONFIG_C is not set
            CONFIG_D="a string"
            CONFIG_E=0x1000000
            CONFIG_F=n
            garbage line
            """)
        #expect(config["CONFIG_A"] == .builtIn)
        #expect(config["B"] == .module)
        #expect(config["CONFIG_C"] == .notSet)
        #expect(config["CONFIG_D"] == .value("a string"))
        #expect(config["CONFIG_E"] == .value("0x1000000"))
        #expect(config["CONFIG_F"] == .notSet)
        #expect(config["CONFIG_ABSENT"] == .notSet)
        #expect(config.options.count == 6)
    }

    @Test func realHostConfigLacksKexecJump() throws {
        let config = KernelConfig(parsing: try fixtureText("config-6.18-host"))
        #expect(config.isBuiltIn("CONFIG_64BIT"))
        #expect(config["CONFIG_KEXEC_JUMP"] == .notSet)
        #expect(config.options.count > 1000)
    }

    @Test func labSystemKernelConfigHasEverythingKjumpNeeds() throws {
        let config = KernelConfig(parsing: try fixtureText("config-lab-system-6.12"))
        for option in ["CONFIG_KEXEC", "CONFIG_KEXEC_JUMP", "CONFIG_HIBERNATION", "CONFIG_CRASH_DUMP",
                       "CONFIG_PROC_VMCORE", "CONFIG_PVH", "CONFIG_IKCONFIG_PROC"] {
            #expect(config.isBuiltIn(option), "\(option)")
        }
    }
}
